"""The assessment-quality check of a whole course package (``course content check --quality``).

Pure: it reads a parsed :class:`~course.catalog.package.CoursePackage` and its source files and
returns :class:`~course.problems.Finding` s. The item rules live with the quizzes
(``course.quizzes.quality``) and the ending rules with the cases (``course.cases.quality``); this
module adds the rules about objectives and applies the package's waiver file. Each rule and the
guideline behind it is described in ``docs/authoring.md``, section "Assessment quality".
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from course.cases.quality import check_case_quality
from course.catalog.package import CoursePackage
from course.problems import N_, Finding
from course.quizzes.quality import check_quiz_quality
from course.yamlsource import YamlDocument, load_yaml

#: The package file that lists accepted findings, each with a reason.
WAIVER_FILE = "quality-waivers.yaml"
#: An objective needs at least this many questions that assess it.
MIN_ITEMS_PER_OBJECTIVE = 2
#: Question types that ask a learner to construct an answer rather than pick one.
CONSTRUCTED = ("essay",)
#: Verbs of objectives at the top of the revised Bloom taxonomy (evaluate, create): a learner
#: cannot show these by choosing among given options.
HIGHER_ORDER = re.compile(
    r"^\s*(?:design|evaluate|create|devise|plan|compose|construct|formulate|develop|critique|"
    r"appraise|judge)\b|^\s*(?:设计|评价|评估|制定|创建|创作|策划|构建|拟定|编制)",
    re.I,
)
WAIVER_FIELDS = {"rule", "file", "question", "subject", "reason"}


def check_quality(package: CoursePackage) -> list[Finding]:
    """Every finding in the package, each marked waived when the waiver file accepts it.

    A waiver file that cannot be read, and a waiver that matches no finding, are findings too.
    """
    source = package.source
    findings: list[Finding] = []
    located: dict[str, YamlDocument] = {}
    for path in sorted(source.quizzes):
        quiz_id = posixpath.splitext(path)[0]
        if quiz_id not in package.quizzes:
            continue
        name = source.quiz_name(path)
        located[quiz_id] = _load(source.quizzes[path], name)
        findings += check_quiz_quality(package.quizzes[quiz_id], name, located[quiz_id])
    default = package.locales[0]
    for case_id, case in sorted(package.cases.items()):
        findings += check_case_quality(case, source.content_name(f"cases/{case_id}.{default}.md"))
    findings += _objectives(package)
    waivers, problems = _waivers(package)
    return sorted(_apply(findings, waivers, source.content_name(WAIVER_FILE)) + problems)


def _load(data: bytes, name: str) -> YamlDocument:
    """A file the package check already read, again with its line numbers."""
    doc, _problems = load_yaml(data.decode("utf-8", "replace").removeprefix("\ufeff"), name)
    return doc or YamlDocument(name, None, {(): 1})


def _objectives(package: CoursePackage) -> list[Finding]:
    items: dict[str, list[str]] = {}
    for quiz in package.quizzes.values():
        for question in quiz.get("questions") or []:
            for objective in question["objectives"]:
                items.setdefault(objective, []).append(question["type"])
    findings = []
    for module in package.modules:
        name = package.source.content_name(f"{module.folder}/module.yaml")
        doc = _load(package.source.content[f"{module.folder}/module.yaml"], name)
        for index, objective in enumerate(module.objectives):
            line = doc.line("objectives", index)
            kinds = items.get(objective["id"], [])
            text = objective["text"]
            texts = text.values() if isinstance(text, dict) else [text]
            if len(kinds) < MIN_ITEMS_PER_OBJECTIVE:
                template = N_(
                    "objective %(objective)s is assessed by %(count)s question(s); "
                    "it needs at least %(minimum)s"
                )
                params = {"objective": objective["id"], "count": len(kinds)}
                params["minimum"] = MIN_ITEMS_PER_OBJECTIVE
                findings.append(_finding(name, line, "objective-coverage", template, params))
            if (
                kinds
                and any(HIGHER_ORDER.search(t) for t in texts)
                and not any(kind in CONSTRUCTED for kind in kinds)
            ):
                template = N_(
                    "objective %(objective)s asks a learner to design, evaluate or create, but "
                    "only choice items assess it; add a graded essay with a rubric"
                )
                params = {"objective": objective["id"]}
                findings.append(_finding(name, line, "higher-order-objective", template, params))
    return findings


def _finding(name: str, line: int, rule: str, template: str, params: dict) -> Finding:
    return Finding(name, line, rule, template, tuple(sorted(params.items())), params["objective"])


def _waivers(package: CoursePackage) -> tuple[list[tuple[dict, int]], list[Finding]]:
    """The waivers as ``(waiver, line)``, and findings for a waiver file that is wrong."""
    data = package.source.content.get(WAIVER_FILE)
    if data is None:
        return [], []
    name = package.source.content_name(WAIVER_FILE)

    def wrong(line: int, template: str, **params) -> Finding:
        return Finding(name, line, "waiver-file", template, tuple(sorted(params.items())))

    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return [], [wrong(1, N_("cannot read the waiver file: %(error)s"), error="not UTF-8")]
    doc, unreadable = load_yaml(text, name)
    if doc is None or unreadable:
        first = unreadable[0] if unreadable else None
        line, reason = (first.line, first.message) if first else (1, "empty")
        return [], [wrong(line, N_("cannot read the waiver file: %(error)s"), error=reason)]
    root = doc.data
    if not isinstance(root, dict) or not isinstance(root.get("waivers"), list):
        return [], [wrong(1, N_("the waiver file must be a mapping with a 'waivers' list"))]
    waivers, problems = [], []
    for index, item in enumerate(root["waivers"]):
        line = doc.line("waivers", index)
        if not isinstance(item, dict):
            problems.append(wrong(line, N_("a waiver must be a mapping")))
            continue
        unknown = sorted(set(item) - WAIVER_FIELDS)
        if unknown:
            problems.append(
                wrong(line, N_("unknown waiver field(s): %(fields)s"), fields=", ".join(unknown))
            )
        if not str(item.get("rule") or "").strip() or not str(item.get("reason") or "").strip():
            problems.append(wrong(line, N_("a waiver needs a 'rule' and a 'reason'")))
            continue
        if not (item.get("file") or item.get("question") or item.get("subject")):
            problems.append(wrong(line, N_("a waiver names a 'file', a 'question' or a 'subject'")))
            continue
        waivers.append((item, line))
    return waivers, problems


def _matches(waiver: dict, finding: Finding) -> bool:
    if waiver["rule"] != finding.rule:
        return False
    subject = waiver.get("question") or waiver.get("subject")
    if subject and str(subject) != finding.subject:
        return False
    file = str(waiver.get("file") or "")
    return not file or finding.file == file or finding.file.endswith("/" + file)


def _apply(findings: list[Finding], waivers: list[tuple[dict, int]], name: str) -> list[Finding]:
    used: set[int] = set()
    result = []
    for finding in findings:
        for number, (waiver, _line) in enumerate(waivers):
            if _matches(waiver, finding):
                used.add(number)
                finding = replace(finding, waived=True, reason=str(waiver["reason"]).strip())
                break
        result.append(finding)
    for number, (waiver, line) in enumerate(waivers):
        if number not in used:
            template = N_("the waiver for %(rule)s matches no finding; remove it")
            result.append(
                Finding(name, line, "unused-waiver", template, (("rule", waiver["rule"]),))
            )
    return result


def unwaived(findings: list[Finding]) -> list[Finding]:
    """The findings no waiver accepts."""
    return [finding for finding in findings if not finding.waived]
