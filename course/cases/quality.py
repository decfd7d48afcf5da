"""Assessment-quality rules for a case study: do its endings reward the path that earns them?

Pure rules over a parsed case definition (``course.cases.formats.parse_case``). Endings carry
``rank=N`` in their heading (1 = the best outcome); the rules compare the scores of every path
that reaches each ending (paths that visit no scene twice, as the case's maximum is computed).
The reasons are in ``docs/authoring.md``, section "Assessment quality".
"""

from __future__ import annotations

from course.problems import N_, Finding

#: The best-ranked ending must need at least this share of the case's maximum score.
BEST_ENDING_MIN_SHARE = 0.5
#: Paths examined per case before the search gives up (a case is a handful of scenes).
MAX_PATHS = 100_000


def ending_scores(case: dict) -> dict[str, tuple[int, int]]:
    """``{ending id: (lowest, highest)}`` score over the paths from the start to that ending."""
    scenes = {scene["id"]: scene for scene in case["scenes"]}
    found: dict[str, tuple[int, int]] = {}
    budget = [MAX_PATHS]

    def walk(scene_id: str, total: int, on_path: set[str]) -> None:
        scene = scenes[scene_id]
        if scene["ending"]:
            low, high = found.get(scene_id, (total, total))
            found[scene_id] = (min(low, total), max(high, total))
            budget[0] -= 1
            return
        for choice in scene["choices"]:
            target = choice["target"]
            if target in on_path or target not in scenes or budget[0] <= 0:
                continue
            walk(target, total + choice["score"], on_path | {target})

    walk(case["start"], 0, {case["start"]})
    return found


def check_case_quality(case: dict, filename: str) -> list[Finding]:
    """The case's endings against the scores of the paths that reach them."""
    endings = [scene for scene in case["scenes"] if scene["ending"]]
    if len(endings) < 2:
        return []
    ranked = [scene for scene in endings if scene.get("rank") is not None]
    if len(ranked) < len(endings):
        line = next(scene["line"] for scene in endings if scene.get("rank") is None)
        template = N_(
            "%(case)s: give every ending a rank=N (1 = the best) so scores can be checked"
        )
        return [
            Finding(filename, line, "ending-rank", template, (("case", case["id"]),), case["id"])
        ]
    scores = ending_scores(case)
    maximum = case["max_score"]
    findings: list[Finding] = []
    best_rank = min(scene["rank"] for scene in ranked)
    for scene in ranked:
        if scene["rank"] != best_rank or scene["id"] not in scores:
            continue
        low = scores[scene["id"]][0]
        if maximum > 0 and low < BEST_ENDING_MIN_SHARE * maximum:
            params = {"ending": scene["id"], "low": low, "max": maximum}
            template = N_(
                "%(ending)s: the best ending can be reached with %(low)s of %(max)s points "
                "(less than half)"
            )
            findings.append(
                Finding(
                    filename,
                    scene["line"],
                    "best-ending-cheap",
                    template,
                    tuple(sorted(params.items())),
                    case["id"],
                )  # fmt: skip
            )
    for better in ranked:
        for worse in ranked:
            if better["rank"] >= worse["rank"]:
                continue
            if better["id"] not in scores or worse["id"] not in scores:
                continue
            (b_low, b_high), (w_low, w_high) = scores[better["id"]], scores[worse["id"]]
            if b_high <= w_high or b_low < w_low:
                params = {
                    "better": better["id"], "worse": worse["id"],
                    "better_range": f"{b_low}..{b_high}", "worse_range": f"{w_low}..{w_high}",
                }  # fmt: skip
                template = N_(
                    "%(better)s (scores %(better_range)s) is ranked above %(worse)s (scores "
                    "%(worse_range)s) but does not need a better score"
                )
                findings.append(
                    Finding(
                        filename,
                        better["line"],
                        "ending-order",
                        template,
                        tuple(sorted(params.items())),
                        case["id"],
                    )  # fmt: skip
                )
    return findings
