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
from bot.vocab import Category

STRONG, NORMAL = 5, 3

# (category, strong phrases, other phrases): regular expressions over folded text, matched on word boundaries.
# A strong phrase outweighs an incidental one (a public complaint is marketing's even when it names an outage).
# fmt: off
RULES: tuple[tuple[Category, tuple[str, ...], tuple[str, ...]], ...] = (
    (Category.EXECUTIVE,
     (r"threaten\w* to (leave|cancel|churn)", r"ceo", r"exec(utive)? sponsor"),
     (r"cfo", r"cto", r"coo", r"cio", r"vp", r"vice president", r"execs?", r"executives?", r"board",
      r"(leave|leaving|switch\w*) (us|to a competitor)", r"competitor", r"churn\w*",
      r"cancel\w* (the|their|our)? ?(contract|subscription)", r"legal action", r"lawyers?",
      r"escalat\w* to (leadership|management)", r"not renew\w*", r"won'?t renew")),
    (Category.BILLING,
     (r"charged (twice|double|two times)", r"double charged", r"overcharged"),
     (r"invoices?", r"billing", r"billed", r"refunds?", r"payments?", r"credit card", r"card (declined|failed)",
      r"receipts?", r"purchase orders?", r"po number", r"vat", r"tax(es)?", r"dunning", r"past due", r"unpaid",
      r"wrong (amount|price) on", r"credit note")),
    (Category.SUPPORT,
     (r"can'?t log ?in", r"cannot log ?in", r"5\d\d error"),
     (r"unable to log ?in", r"log ?in (issue|problem|fail\w*)", r"locked out", r"password", r"sso", r"5\d\d",
      r"errors?", r"bugs?", r"crash\w*", r"outage", r"(is|was|went) down", r"downtime", r"not working",
      r"doesn'?t work", r"broken?", r"slow", r"timeouts?", r"api", r"integration\w* (fail\w*|broke\w*)",
      r"data (loss|missing)", r"sync\w* (fail\w*|issue)")),
    (Category.SALES,
     (r"more seats", r"pricing for expansion"),
     (r"(extra|additional) (seats|licen[cs]es|users)", r"add(ing)? (\d+ )?(seats|users)", r"licen[cs]es?",
      r"upgrade", r"expan\w*", r"pricing for", r"price for", r"quote", r"upsell",
      r"new (\w+ )?(module|product|plan)", r"interested in", r"(bigger|higher|enterprise) plan", r"buy",
      r"purchase more", r"proposal", r"contract (terms|renewal)", r"discount")),
    (Category.TRAINING,
     (r"need\w* onboarding", r"training"),
     (r"onboard\w*", r"train (the|their|our|new)", r"new admins?", r"new (users|hires|team)", r"how to use",
      r"how do (i|they|we)", r"tutorials?", r"workshops?", r"enablement", r"documentation", r"docs",
      r"learn\w*", r"walk ?through", r"certification")),
    (Category.MARKETING,
     (r"tweet\w*", r"case stud(y|ies)", r"testimonial", r"bad review"),
     (r"twitter", r"linkedin", r"social media", r"reviews?", r"g2", r"capterra", r"press",
      r"reference (call|customer)", r"be a reference", r"co-?marketing", r"logo", r"blog( post)?",
      r"conference", r"speak at", r"public(ly)?")),
)
# fmt: on


def _compile(phrases: tuple[str, ...], weight: int) -> list[tuple[re.Pattern[str], int]]:
    return [(re.compile(rf"(?<![a-z0-9]){phrase}(?![a-z0-9])"), weight) for phrase in phrases]


_COMPILED = tuple((category, _compile(strong, STRONG) + _compile(normal, NORMAL)) for category, strong, normal in RULES)


@dataclass(frozen=True)
class Classification:
    category: Category
    score: int
    matched: tuple[str, ...]


def classify(text: str) -> Classification:
    """The category a description most likely belongs to, with the phrases that decided it."""
    folded = fold(text).replace("’", "'")
    best = Classification(Category.OTHER, 0, ())
    for category, patterns in _COMPILED:
        hits = [(m.group(0), weight) for pattern, weight in patterns if (m := pattern.search(folded))]
        score = sum(weight for _phrase, weight in hits)
        if score > best.score:
            best = Classification(category, score, tuple(phrase for phrase, _weight in hits))
    return best
