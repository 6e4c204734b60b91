"""Which team a problem belongs to, from how people actually describe it, with no AI: the organisation's own
corrections first, then weighted keyword rules and the built-in phrasebook together.

This is the fallback when a reporter does not choose a category (and the judge of last resort for any AI
proposal). Text is accent- and case-folded first; each matching phrase adds its weight to its category; the
phrasebook (`bot.flags.routing.phrasebook`) says how likely each category is from the wording as a whole. A clear
rule match outweighs the phrasebook, which decides where the rules found nothing or only hints. Ties go to
the category listed first (the most urgent). Nothing recognisable → `other`, which the customer-success team
owns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.flags.routing import phrasebook
from bot.flags.routing.text_vectors import Index, word_grams
from bot.text import fold
from bot.vocab import Category, Severity

STRONG, NORMAL, WEAK = 5, 3, 1

# (category, strong phrases, other phrases, context words): regular expressions over folded text, matched on
# word boundaries. A strong phrase outweighs an incidental one (a public complaint is marketing's even when it
# names an outage); context words (a product's nouns: "app", "dashboard") only break ties. Written for how
# people describe what happened (symptoms: "times out", "is stuck", "blank screen"), not for category names.
# fmt: off
RULES: tuple[tuple[Category, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (Category.EXECUTIVE,
     (r"threaten\w* to (leave|cancel|churn|walk)", r"exec(utive)? sponsor", r"(will|would|might|going to) walk",
      r"(not|won'?t|never) renew\w*", r"terminat\w* (the|their|our)? ?contract",
      r"legal action", r"(lawyers?|general counsel|legal team)",
      r"(legal|lawyers?|counsel) (sent|wrote|threaten\w*)", r"renewal (is )?at risk",
      r"prefers? (another|a different|a competitor'?s?) (tool|vendor|platform|product)"),
     (r"ceo", r"cfo", r"coo", r"cio", r"cto", r"vp of \w+", r"vice president",
      r"leadership", r"(the|their|our) board",
      r"(?<!on )(?<!advisory )board (asked|wants|wanted|meeting|members?|decided|review\w*)",
      r"another (tool|vendor|platform)", r"sla breach", r"sponsor",
      r"(leave|leaving|switch\w*) (us|to a competitor)", r"competitors?", r"rivals?", r"churn\w*",
      r"evaluating (a|another)",
      r"cancel\w* (the|their|our)? ?(contract|subscription)",
      r"mentioned legal", r"legal", r"gc", r"escalat\w* to (leadership|management|our ceo)",
      r"cut (\w+ )?(costs|spend|budget|vendors)", r"why they pay for us"),
     (r"unhappy", r"furious", r"incident", r"value")),
    (Category.BILLING,
     (r"charged (twice|double|two times)", r"double charged", r"overcharged", r"identical charges",
      r"invoic\w*", r"(non-?|over)payment", r"refunds?", r"dunning",
      r"(billed|charged|invoiced) (for|us|them|twice|wrong)", r"card (got |was |is )?(declined|rejected|failed)"),
     (r"billing", r"billed", r"bills?", r"payments?", r"paid", r"pay (by|for|with)", r"credit card", r"amex",
      r"card (declined|failed|rejected)", r"receipts?", r"purchase orders?",
      r"po (number|reference)",
      r"vat", r"(sales )?tax(es)?", r"tax.exempt", r"past due", r"overdue", r"unpaid", r"wire",
      r"bank (details|transfer)", r"fees?", r"overage", r"charg(e|es|ed)",
      r"wrong (amount|price|entity)", r"credit note", r"a credit", r"billing contact", r"accounts payable",
      r"factur\w*", r"請求"),
     (r"finance", r"controller", r"audit", r"auto-?renew\w*", r"price on")),
    (Category.SUPPORT,
     (r"can'?t log ?in", r"cannot log ?in", r"unable to log ?in", r"(http |error |status )5\d\d",
      r"5\d\d (error|status|response)s?", r"outage",
      r"(all|every|half of (their|the)) users? (are |is )?(down|locked out|blocked|see)", r"production is down",
      r"data loss", r"lost (all|their|the) \w+", r"security", r"still has access", r"locked out",
      r"(has|have) been down",
      r"(nobody|no one)( on their side| there| at \w+)? can (log ?in|get in|work|access)",
      r"(times?|timing|timed) out", r"crash\w*", r"plante"),
     (r"log ?in (issue|problem|fail\w*|page|loops?)", r"logg?(s|ed|ing)? (them |us )?out", r"password", r"sso",
      r"saml", r"two-?factor", r"2fa", r"errors?", r"bugs?", r"(is|was|went|are) down", r"downtime",
      r"not (working|loading|syncing|sending|saving|showing)", r"doesn'?t work",
      r"won'?t (load|let|open|save|sync|work)",
      r"broken?", r"slow\w*", r"lag\w*", r"spins?", r"spinning", r"hangs?", r"hanging", r"frozen",
      r"freez\w*", r"stuck", r"\d+ (seconds|minutes) to load", r"blank (screen|page)", r"stopped (\w+ing)",
      r"fail\w*", r"disappear\w*", r"vanish\w*", r"missing", r"duplicat\w*", r"(went|sent|shows?|showing) (out )?twice",
      r"(numbers|totals|data) twice", r"arrive\w* (hours |days )?late", r"(rejected|shows?|show) (as )?invalid",
      r"nan", r"returns nothing", r"breach", r"garbled", r"corrupt\w*", r"empty", r"encoding",
      r"(firing|fired|fires|sent|sending|running|ran|runs) twice", r"nobody can get in",
      r"can'?t (get in|access|open|upload|export)",
      r"expired", r"sync\w*", r"timeouts?"),
     (r"api", r"app", r"mobile", r"android", r"ios", r"webhooks?", r"connector", r"integration\w*", r"import\w*",
      r"export\w*", r"uploads?", r"dashboards?", r"widgets?", r"reports?", r"notifications?", r"search",
      r"certificate", r"permissions?", r"migration", r"release", r"update")),
    (Category.SALES,
     (r"more (seats|licen[cs]es|users|teams)", r"pricing for expansion",
      r"\d[\d,]* (more )?(seats|licen[cs]es|users|learners)",
      r"(add|adding) \d+ (more )?(seats|licen[cs]es|users)", r"enterprise (tier|plan)", r"licen[cs]es?"),
     (r"(extra|additional) (seats|licen[cs]es|users)", r"upgrade", r"expan\w*", r"pricing", r"price", r"quote",
      r"upsell", r"new (\w+ )?(module|product|plan|division|office)", r"interested in", r"(bigger|higher|cheaper) plan",
      r"plan for", r"buy", r"purchase more", r"proposal", r"contract (terms|renewal)", r"discount", r"negotiat\w*",
      r"multi-?year",
      r"(move|moving|switch\w*|go|going|upgrad\w*) (from \w+ )?to (the )?(enterprise|pro|premium|business|plus)\b",
      r"better rate", r"deal", r"trial", r"package", r"add-?on", r"second workspace", r"subsidiary",
      r"start using", r"roll(ing)? (it )?out to", r"bring .* on board", r"procurement", r"budget",
      r"one contract", r"cost", r"demo", r"pay for \d+"),
     (r"merg\w*", r"tier", r"plan", r"users", r"renewal", r"enterprise")),
    (Category.TRAINING,
     (r"need\w* onboarding", r"training", r"onboarding sessions?", r"train-the-trainer",
      r"(don'?t|doesn'?t|do not) (know|understand) how"),
     (r"onboard\w*", r"train\w*", r"new admins?", r"new (users|hires|team|admin)", r"how to", r"how-?do-?i",
      r"how (do|does|it) (i|they|we|works)", r"tutorials?", r"workshops?", r"enablement", r"documentation", r"docs",
      r"learn\w*", r"walk ?through", r"certification", r"refresher", r"class(es)?", r"course", r"coaching",
      r"understands?", r"confus\w*",
      r"misread\w*", r"the hard way", r"never used",
      r"new to (the|our) product", r"replacement", r"questions", r"sessions?", r"adoption"),
     (r"admins?", r"team", r"managers")),
    (Category.MARKETING,
     (r"tweet\w*", r"case stud(y|ies)", r"testimonial", r"bad review", r"one-star", r"linkedin",
      r"twitter", r"(video )?testimonial"),
     (r"social media", r"reviews?", r"g2", r"capterra", r"press", r"journalist", r"magazine", r"reference",
      r"references", r"reference (call|customer)s?", r"co-?(marketing|host|present)\w*", r"logo", r"blog( post)?",
      r"speak\w*", r"webinar", r"(host|co-host|run|sponsor)\w* an? event", r"success stor(y|ies)",
      r"(our|a|the) (user )?(conference|summit)", r"newsletter", r"advisory board", r"announce\w*",
      r"partnership", r"comms", r"publicly", r"thread", r"posted"),
     (r"story", r"prospects", r"public", r"event")),
)
# fmt: on

# Words that say where to send a flag rather than what happened ("route to executive and ping @channel",
# "please send this to billing"): taken out before the rules read the text, so that naming a team is not
# enough to reach it.
_TEAM_WORDS = r"(billing|support|sales|training|marketing|executives?|execs?|leadership|management|legal|finance|cs)"
_INSTRUCTION = re.compile(
    rf"\b(route|send|forward|pass|assign|give|hand|ping|notify|cc|loop in|escalate this)\b[^.,;!?]*?"
    rf"(\bto\b\s+)?(the\s+)?{_TEAM_WORDS}(\s+(team|department|dept|folks|people))?\b"
)

# Common words of English: a description with none of them (and no rule matched) is in another language, and
# the reporter is asked for the category in one click instead of it going silently to `other`.
_ENGLISH_WORDS = (
    "the a an is are was were be been to of and or in on at for with from by not no can can't cannot won't don't "
    "doesn't didn't isn't we they their them our us it its this that these those has have had do does did will "
    "would could should after before since again all any some more most very just still also but so if when "
    "what who how why my me i you he she his her there here about up out over new"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
# Words of any report, which say nothing about which team it is for: not compared with examples.
_REPORT_WORDS_TEXT = (
    "want wants wanted asked asks ask say says said keep keeps kept show shows showed saw see get gets got "
    "like would need needs please customer customers client clients user users people someone team teams "
    "they'd they're we're it's"
)
_REPORT_WORDS = _ENGLISH | frozenset(_REPORT_WORDS_TEXT.split())
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def reads_as_english(text: str) -> bool:
    """True when the text has a common English word, or no letters at all (a number, a link)."""
    words = re.findall(r"[a-z']+", text)
    if any(word in _ENGLISH for word in words):
        return True
    letters = _LETTER.findall(text)
    latin = sum(1 for ch in letters if ch.isascii())
    return not letters or (latin == len(letters) and len(words) <= 2)


_URGENT = re.compile(
    r"(?<![a-z0-9])(urgent\w*|asap|emergency|outage|(all|every|the whole|half of (their|the)) (users?|team|company)"
    r"( \w+)? (is |are )?(down|blocked|locked out)|production is down|(is|are|went) down|can'?t log ?in|cannot log ?in|"
    r"nobody can (get in|log ?in|work)|data loss|lost (all|their|the) (data|records|comments|files)|"
    r"disappeared|security|breach|still has access)(?![a-z0-9])"
)


def _compile(phrases: tuple[str, ...], weight: int) -> list[tuple[re.Pattern[str], int]]:
    return [(re.compile(rf"(?<![a-z0-9]){phrase}(?![a-z0-9])"), weight) for phrase in phrases]


_COMPILED = tuple(
    (category, _compile(strong, STRONG) + _compile(normal, NORMAL) + _compile(context, WEAK))
    for category, strong, normal, context in RULES
)


@dataclass(frozen=True)
class Example:
    """A flag whose category a person settled (`bot.flags.routing.examples`): text as `content_words`."""

    flag_id: int
    text: str
    category: Category
    how: str  # rerouted, recategorised, confirmed
    actor_name: str
    team_name: str | None = None

    def describe(self) -> str:
        done = {"rerouted": "re-routed", "recategorised": "re-categorised", "confirmed": "confirmed"}.get(self.how)
        where = f" to {self.team_name}" if self.team_name and self.how == "rerouted" else f" as {self.category}"
        return f"like flag #{self.flag_id}, {done or self.how}{where} by {self.actor_name}"


@dataclass(frozen=True)
class Classification:
    category: Category
    score: int
    matched: tuple[str, ...]
    severity: Severity = Severity.NORMAL  # urgent when the words say so ("outage", "can't log in", "URGENT")
    english: bool = True  # False: another language, which the rules cannot read
    like: Example | None = None  # the organisation's own example it was routed like
    likelihood: float = 0.0  # how likely the phrasebook found this category (0 when it was not read)

    @property
    def sure(self) -> bool:
        """False when the rules could not read the text: ask the reporter rather than guess `other`."""
        return self.like is not None or self.english or self.score >= NORMAL

    def explain(self) -> str:
        """How the category was chosen, for people: "matched 'invoice'", "like flag #41, re-routed…"."""
        if self.like is not None:
            return self.like.describe()
        if self.likelihood and self.score <= WEAK and self.category is not Category.OTHER:
            return f"worded like {self.category} problems ({self.likelihood:.0%})"  # the phrasebook decided
        if self.matched:
            return "matched " + ", ".join(f"'{phrase}'" for phrase in self.matched[:4])
        return "nothing matched: the customer-success team's"


LEARNED_MATCH = 0.3  # summed similarity (cosine of TF-IDF, 0–1) a category's nearest examples must reach
NEIGHBOURS = 5  # how many of the most similar examples vote
MIN_SIMILARITY = 0.15  # an example less alike than this has no vote
CLEARLY_ALIKE = 0.6  # what it takes for examples to overrule a strong rule match


RULE_WEIGHT = 1.5  # a rule score of RULE_CAP counts this much against the phrasebook's likelihood (0–1)
RULE_CAP = 10  # rule scores above this count no more
PHRASEBOOK_FLOOR = 0.3  # below this, with no rule matched, the phrasebook is not sure enough: `other`


def classify(text: str, examples: Sequence[Example] = (), use_phrasebook: bool = True) -> Classification:
    """The category a description most likely belongs to, with what decided it: the most similar of the
    organisation's own examples when one is alike enough, else the rules and the phrasebook (without it,
    `use_phrasebook=False`, as when it could not be fitted: the rules alone). Instructions about where to
    send it are not read as what happened."""
    folded = fold(text).replace("’", "'")
    severity = Severity.URGENT if _URGENT.search(folded) else Severity.NORMAL
    described = _INSTRUCTION.sub(" ", folded)
    english = reads_as_english(folded)
    hits = {
        category: tuple((m.group(0), weight) for pattern, weight in patterns if (m := pattern.search(described)))
        for category, patterns in _COMPILED
    }
    scores = {category: sum(weight for _phrase, weight in found) for category, found in hits.items()}
    ruled = max(scores.values()) > WEAK  # context words alone decide nothing
    read = english and use_phrasebook
    words = content_words(described).split()  # what both the phrasebook and the examples compare
    likely = phrasebook.likelihoods(described, words) if read else None
    if likely is not None:
        weight = RULE_WEIGHT / RULE_CAP if ruled else 0.0
        combined = {c: likely.get(c, 0.0) + weight * min(scores.get(c, 0), RULE_CAP) for c in Category}
        category = max(Category, key=lambda c: combined[c])  # ties: the first listed
        if not ruled and likely[category] < PHRASEBOOK_FLOOR:
            category = Category.OTHER
    elif ruled:
        category = max(scores, key=lambda c: scores[c])
    else:
        category = Category.OTHER
    best = Classification(
        category,
        scores.get(category, 0),
        tuple(phrase for phrase, _w in hits.get(category, ())),
        severity,
        english,
        likelihood=likely[category] if likely else 0.0,
    )
    found = nearest(words, examples)
    if found is not None:
        like, weight = found
        # The organisation's own words beat a weak or no rule match; against a strong one (a phrase such as
        # "charged twice") they must be clearly alike.
        if best.score < STRONG or weight >= CLEARLY_ALIKE or like.category is best.category:
            return Classification(like.category, best.score, best.matched, severity, english, like)
    return best


_WORDS = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


def content_words(text: str) -> str:
    """The words that carry meaning, folded, in order: what examples are stored and compared as."""
    folded = _INSTRUCTION.sub(" ", fold(text).replace("’", "'"))
    return " ".join(w for w in _WORDS.findall(folded) if w not in _REPORT_WORDS and len(w) > 1)


def nearest(words: Sequence[str], examples: Sequence[Example]) -> tuple[Example, float] | None:
    """The organisation's example a new flag should be routed like, or None: the `NEIGHBOURS` most similar
    examples (cosine of TF-IDF over content words and their pairs) vote with their similarity, and the
    category with the most votes wins if they reach `LEARNED_MATCH`; its most similar example is named."""
    if not examples or not words:
        return None
    similarity = _index(tuple(examples)).similarities(word_grams(words))
    nearest_first = sorted(similarity, key=lambda i: (-similarity[i], i))[:NEIGHBOURS]
    votes: dict[Category, float] = {}
    for i in nearest_first:
        if similarity[i] >= MIN_SIMILARITY:
            votes[examples[i].category] = votes.get(examples[i].category, 0.0) + similarity[i]
    if not votes:
        return None
    winner, weight = max(votes.items(), key=lambda vote: vote[1])
    if weight < LEARNED_MATCH:
        return None
    return next(examples[i] for i in nearest_first if examples[i].category is winner), weight


@lru_cache(maxsize=4)
def _index(examples: tuple[Example, ...]) -> Index:
    """Built once per set of examples (a new correction makes a new set)."""
    return Index([word_grams(e.text.split()) for e in examples])
