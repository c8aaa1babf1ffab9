"""What the evaluator is shown, in the citizen's language: levels and the current reason options.

Reason options come from the ratings content catalog (current version). Their Chinese labels are
the national wording; the Tibetan and English labels below are used until the catalog carries
its own (``ReasonOption.label_bo``). Codes stay national whatever the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from haochaping.ratings.enums import Level, Stage, level_to_hcp
from haochaping.ratings.models import ContentVersion, ReasonOption

# Best first, the order the citizen sees them.
LEVELS_BEST_FIRST = [
    Level.VERY_SATISFIED,
    Level.SATISFIED,
    Level.BASIC,
    Level.DISSATISFIED,
    Level.VERY_DISSATISFIED,
]

# The level names through this app's own catalog, so citizen pages have them in Tibetan.
LEVEL_LABELS = {
    Level.VERY_SATISFIED: _("Very satisfied"),
    Level.SATISFIED: _("Satisfied"),
    Level.BASIC: _("Basically satisfied"),
    Level.DISSATISFIED: _("Dissatisfied"),
    Level.VERY_DISSATISFIED: _("Very dissatisfied"),
}

STAGE_LABELS = {
    Stage.ACCEPTANCE: _("At acceptance"),
    Stage.COMPLETION: _("At completion"),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS[Stage(stage)])


REASON_BO = {
    "510": "སྒེའུ་ཁུང་གཅིག་ནས་ལེན་ཞིང་ཐེངས་གཅིག་ལ་ལེགས་གྲུབ།",
    "511": "སྔོན་ལ་ལེན་ནས་རྗེས་སུ་ཡིག་ཆ་ཁ་སྣོན་བྱེད་ཆོག",
    "512": "ར་སྤྲོད་ལག་འཁྱེར་འབུལ་མི་དགོས།",
    "513": "ཡོངས་རྫོགས་དྲ་ཐོག་ནས་སྒྲུབ་ཆོག",
    "514": "ལག་ཐོགས་ཁ་པར་བཀོལ་ནས་སྒྲུབ་ཆོག",
    "515": "ཉེ་འཁྲིས་སུ་སྒྲུབ་ཆོག",
    "516": "ཡིག་ཆ་མི་དགོས་པར་ཐད་ཀར་སྒྲུབ་ཆོག",
    "517": "ཞབས་ཞུ་སེམས་ཤུགས་ཆེ་ཞིང་ལས་ཆོད་མཐོ།",
    "406": "རེའུ་མིག་གཅིག་བཀང་ན་ཞུ་འབུལ་ལེགས་གྲུབ།",
    "407": "དྲ་ཐོག་ནས་ཡིག་ཆ་ཕུལ་ནས་སྒེའུ་ཁུང་དུ་ཞིབ་བཤེར།",
    "408": "ཐོ་གཅིག་གིས་ཞུ་འབུལ་ཡིག་ཆ་ཚང་མ་བརྡ་ཁྱབ།",
    "409": "ཁས་ལེན་བརྒྱུད་ནས་ཞུ་འབུལ་ཡིག་ཆ་ཉུང་དུ་གཏོང་།",
    "410": "དྲ་ཐོག་ནས་སྔོན་འགྲིག་བྱས་ནས་སྒྲུབ་ཆོག",
    "411": "ཚོགས་ཁང་དུ་ཐེངས་གཅིག་ཕྱིན་ནས་ལེགས་གྲུབ།",
    "412": "རང་སྤྱོད་འཕྲུལ་ཆས་བཀོལ་ནས་སྒྲུབ་ཆོག",
    "413": "ཞབས་ཞུའི་ཁ་ཕྱོགས་ཅུང་ལེགས།",
    "307": "ཁ་སྣོན་དགོས་པའི་ཡིག་ཆ་ཐེངས་གཅིག་ལ་བརྡ་ཁྱབ།",
    "308": "ཞུ་འབུལ་ཡིག་ཆའི་དཔེ་མཚོན་མཁོ་སྤྲོད།",
    "309": "ཁས་བླངས་པའི་དུས་ཚོད་ནང་ལེགས་གྲུབ།",
    "310": "ལས་དོན་ལམ་སྟོན་ཡང་དག་པ།",
    "311": "ལམ་སྟོན་ལྟར་གྱི་ཡིག་ཆ་ཡོད་ན་སྒྲུབ་ཆོག",
    "312": "མྱུར་སྐྱེལ་བརྒྱུད་ནས་སྐྱེལ་ཆོག",
    "313": "འགྲོ་འོང་ཐེངས་གྲངས་ཁས་ལེན་དང་མཐུན།",
    "314": "ཞབས་ཞུའི་ཁ་ཕྱོགས་འབྲིང་ཙམ།",
    "207": "ཡིག་ཆའི་དཔེ་མཚོན་མཁོ་སྤྲོད་མ་བྱས།",
    "208": "ཡིག་ཆའི་ཐོ་མཁོ་སྤྲོད་མ་བྱས།",
    "209": "ཁས་བླངས་པའི་དུས་ཚོད་ནང་མ་གྲུབ།",
    "210": "ནང་དོན་གཅིག་པའི་ར་སྤྲོད་ཡིག་ཆ་ཐེངས་མང་འབུལ་དགོས་བྱུང་།",
    "211": "དྲ་ཐོག་ནས་སྒྲུབ་ཆོག་ཟེར་ཡང་སྒྲུབ་ཐབས་མེད།",
    "212": "དྲ་ཐོག་སྔོན་འགྲིག་བྱས་རྗེས་ཚོགས་ཁང་དུ་ཡང་བསྐྱར་ཨང་གྲངས་ལེན་དགོས།",
    "213": "སྒེའུ་ཁུང་གི་ལས་བྱེད་པ་ལས་དོན་ལ་མི་བྱང་།",
    "214": "ཞབས་ཞུའི་ཁ་ཕྱོགས་རྩུབ་པོ།",
    "108": "ལམ་སྟོན་ལས་ལྷག་པའི་ཆ་རྐྱེན་གསར་པ་སྣོན་པ།",
    "109": "ལམ་སྟོན་ལས་ལྷག་པའི་ཡིག་ཆ་འབུལ་དགོས་པ།",
    "110": "རྒྱུ་མཚན་མེད་པར་ཁྲིམས་ལྡན་དུས་ཚོད་ལས་བརྒལ།",
    "111": "ལམ་སྟོན་གྱི་དཔེ་མཚོན་ལ་ནོར་འཁྲུལ་ཡོད།",
    "112": "དྲ་ཐོག་ནས་ཡིག་ཆ་ལེན་རྒྱུའི་ཁས་ལེན་ཡོད་ཀྱང་དངོས་སུ་ལེན་ཐབས་མེད།",
    "113": "སྒེའུ་ཁུང་དང་སྡེ་ཚན་མང་པོར་འགྲོ་དགོས།",
    "114": "འགྲོ་འོང་ཐེངས་གྲངས་ཁས་ལེན་དང་མི་མཐུན།",
    "115": "ཞབས་ཞུའི་ཁ་ཕྱོགས་ངན་ཞིང་ལས་ཆོད་དམའ།",
}

REASON_EN = {
    "510": "One window, done in one visit",
    "511": "Accepted first, documents supplied later",
    "512": "No certificates needed",
    "513": "Fully online",
    "514": "Can be done on a mobile phone",
    "515": "Can be done nearby",
    "516": "Done directly without documents",
    "517": "Warm and efficient service",
    "406": "One form was enough to apply",
    "407": "Documents sent online, checked at the window",
    "408": "One list named all required documents",
    "409": "Fewer documents thanks to a written pledge",
    "410": "Online appointment possible",
    "411": "Done in one visit to the hall",
    "412": "Self-service kiosk available",
    "413": "Good service attitude",
    "307": "Missing documents named all at once",
    "308": "Sample documents provided",
    "309": "Completed within the promised time",
    "310": "The service guide was accurate",
    "311": "The documents in the guide were enough",
    "312": "Result delivered by courier",
    "313": "Number of visits as promised",
    "314": "Average service attitude",
    "207": "No sample documents provided",
    "208": "No list of documents provided",
    "209": "Not completed within the promised time",
    "210": "The same proof asked for several times",
    "211": "Promised online, but not possible online",
    "212": "Booked online, still had to queue again in the hall",
    "213": "Window staff not familiar with the work",
    "214": "Curt service attitude",
    "108": "Conditions added beyond the service guide",
    "109": "Documents asked for beyond the service guide",
    "110": "Legal time limit exceeded without reason",
    "111": "Wrong sample in the service guide",
    "112": "Promised online submission did not work",
    "113": "Sent back and forth between windows and departments",
    "114": "Number of visits not as promised",
    "115": "Poor attitude, low efficiency",
}


@dataclass(frozen=True)
class Option:
    code: str
    label: str  # in the active language
    label_zh: str
    label_bo: str


@dataclass(frozen=True)
class LevelChoice:
    value: str
    hcp: int  # 好差评 satisfaction code, 5 = best; used for ids and faces
    label: str
    label_zh: str
    label_bo: str
    is_bad: bool
    options: list[Option]


def _in(language: str, text) -> str:
    with translation.override(language):
        return str(text)


def option_label(option: ReasonOption, language: str | None = None) -> str:
    language = language or translation.get_language() or "zh-hans"
    if language == "bo":
        return option.label_bo or REASON_BO.get(option.code) or option.label
    if language == "en":
        return REASON_EN.get(option.code) or option.label
    return option.label


def level_label(level: str, language: str | None = None) -> str:
    text = LEVEL_LABELS[Level(level)]
    return _in(language, text) if language else str(text)


def level_choices(version: ContentVersion) -> list[LevelChoice]:
    """The five levels, best first, each with its reason options, labelled for the active
    language and also in Chinese and Tibetan (the hall tablet shows both)."""
    by_level: dict[str, list[ReasonOption]] = {}
    for option in ReasonOption.objects.filter(version=version).order_by("position", "code"):
        by_level.setdefault(option.level, []).append(option)
    result = []
    for level in LEVELS_BEST_FIRST:
        options = [
            Option(
                code=o.code,
                label=option_label(o),
                label_zh=o.label,
                label_bo=option_label(o, "bo"),
            )
            for o in by_level.get(level.value, [])
        ]
        result.append(
            LevelChoice(
                value=level.value,
                hcp=level_to_hcp(level),
                label=level_label(level),
                label_zh=level_label(level, "zh-hans"),
                label_bo=level_label(level, "bo"),
                is_bad=level.value in Level.bad_levels(),
                options=options,
            )
        )
    return result
