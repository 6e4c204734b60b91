"""Which team a problem belongs to, from how people actually describe it: weighted keyword rules.

The rules are the fallback when a reporter does not choose a category (and, later, the judge of last resort
for any AI proposal). Text is accent- and case-folded first; each matching phrase adds its weight; the best
total wins, ties going to the category listed first (the most urgent). Nothing matched → `other`, which the
customer-success team owns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
      r"legal action", r"(lawyers?|general counsel|legal team)"),
     (r"ceo", r"cfo", r"coo", r"cio", r"cto", r"vp of \w+", r"vice president",
      r"leadership", r"(the|their|our) board", r"board (wants|meeting|members?)", r"sponsor",
      r"(leave|leaving|switch\w*) (us|to a competitor)", r"competitors?", r"rivals?", r"churn\w*",
      r"evaluating (a|another)",
      r"cancel\w* (the|their|our)? ?(contract|subscription)",
      r"mentioned legal", r"legal", r"gc", r"escalat\w* to (leadership|management|our ceo)",
      r"cut (vendors|costs)", r"why they pay for us"),
     (r"unhappy", r"furious", r"incident", r"value")),
    (Category.BILLING,
     (r"charged (twice|double|two times)", r"double charged", r"overcharged", r"identical charges",
      r"invoic\w*", r"(non-?|over)payment", r"refunds?"),
     (r"billing", r"billed", r"bills?", r"payments?", r"paid", r"pay (by|for|with)", r"credit card", r"amex",
      r"card (declined|failed|rejected)", r"receipts?", r"purchase orders?",
      r"po (number|reference)",
      r"vat", r"(sales )?tax(es)?", r"tax.exempt", r"dunning", r"past due", r"overdue", r"unpaid", r"wire",
      r"bank (details|transfer)", r"fees?", r"overage", r"charg(e|es|ed)",
      r"wrong (amount|price|entity)", r"credit note", r"a credit", r"billing contact", r"accounts payable",
      r"factur\w*", r"請求"),
     (r"finance", r"controller", r"audit", r"auto-?renew\w*", r"price on")),
    (Category.SUPPORT,
     (r"can'?t log ?in", r"cannot log ?in", r"unable to log ?in", r"(http |error |status )5\d\d",
      r"5\d\d (error|status|response)s?", r"outage",
      r"(all|every|half of (their|the)) users? (are |is )?(down|locked out|blocked|see)", r"production is down",
      r"data loss", r"lost (all|their|the) \w+", r"security", r"breach", r"still has access", r"locked out",
      r"(times?|timing|timed) out", r"crash\w*", r"plante"),
     (r"log ?in (issue|problem|fail\w*|page|loops?)", r"logg?(s|ed|ing)? (them |us )?out", r"password", r"sso",
      r"saml", r"two-?factor", r"2fa", r"errors?", r"bugs?", r"(is|was|went|are) down", r"downtime",
      r"not (working|loading|syncing|sending|saving|showing)", r"doesn'?t work",
      r"won'?t (load|let|open|save|sync|work)",
      r"broken?", r"slow\w*", r"lag\w*", r"spins?", r"spinning", r"hangs?", r"hanging", r"frozen",
      r"freez\w*", r"stuck", r"\d+ (seconds|minutes) to load", r"blank (screen|page)", r"stopped (\w+ing)",
      r"fail\w*", r"disappear\w*", r"vanish\w*", r"missing", r"duplicat\w*", r"(went|sent|shows?|showing) (out )?twice",
      r"(numbers|totals|data) twice", r"arrive\w* (hours |days )?late", r"(rejected|shows?|show) (as )?invalid",
      r"nan", r"returns nothing", r"nobody can get in",
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
      r"multi-?year", r"better rate", r"deal", r"trial", r"package", r"add-?on", r"second workspace", r"subsidiary",
      r"start using", r"roll(ing)? (it )?out to", r"bring .* on board", r"procurement", r"budget",
      r"one contract", r"cost", r"demo", r"pay for \d+"),
     (r"merg\w*", r"tier", r"plan", r"users", r"renewal")),
    (Category.TRAINING,
     (r"need\w* onboarding", r"training", r"onboarding sessions?", r"train-the-trainer",
      r"(don'?t|doesn'?t|do not) (know|understand) how"),
     (r"onboard\w*", r"train\w*", r"new admins?", r"new (users|hires|team|admin)", r"how to", r"how-?do-?i",
      r"how (do|does|it) (i|they|we|works)", r"tutorials?", r"workshops?", r"enablement", r"documentation", r"docs",
      r"learn\w*", r"walk ?through", r"certification", r"refresher", r"class(es)?", r"course", r"coaching",
      r"understands?", r"confus\w*",
      r"misread\w*", r"the hard way", r"questions", r"sessions?", r"adoption"),
     (r"admins?", r"team", r"managers")),
    (Category.MARKETING,
     (r"tweet\w*", r"case stud(y|ies)", r"testimonial", r"bad review", r"one-star", r"linkedin",
      r"twitter", r"(video )?testimonial"),
     (r"social media", r"reviews?", r"g2", r"capterra", r"press", r"journalist", r"magazine", r"reference",
      r"references", r"reference (call|customer)s?", r"co-?(marketing|host|present)\w*", r"logo", r"blog( post)?",
      r"speak\w*", r"webinar", r"event", r"newsletter", r"advisory board", r"announce\w*",
      r"partnership", r"comms", r"publicly", r"thread", r"posted"),
     (r"story", r"prospects", r"public")),
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
class Classification:
    category: Category
    score: int
    matched: tuple[str, ...]
    severity: Severity = Severity.NORMAL  # urgent when the words say so ("outage", "can't log in", "URGENT")
    english: bool = True  # False: another language, which the rules cannot read

    @property
    def sure(self) -> bool:
        """False when the rules could not read the text: ask the reporter rather than guess `other`."""
        return self.english or self.score >= NORMAL


def classify(text: str) -> Classification:
    """The category a description most likely belongs to, with the phrases that decided it. Instructions
    about where to send it are not read as what happened."""
    folded = fold(text).replace("’", "'")
    severity = Severity.URGENT if _URGENT.search(folded) else Severity.NORMAL
    described = _INSTRUCTION.sub(" ", folded)
    best = Classification(Category.OTHER, 0, (), severity, reads_as_english(folded))
    for category, patterns in _COMPILED:
        hits = [(m.group(0), weight) for pattern, weight in patterns if (m := pattern.search(described))]
        score = sum(weight for _phrase, weight in hits)
        if score > best.score and score > WEAK:  # context words alone decide nothing
            best = Classification(category, score, tuple(p for p, _w in hits), severity, best.english)
    return best
