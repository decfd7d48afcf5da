"""Certificate rendering figures, each pair measured in one run (see docs/benchmarks.md).

    .venv/bin/python bench/certificates.py [--bulk 200] [--renders 1000]

Pairs 1 and 2 are CPU seconds of this process, medians of alternating runs; pair 3 is wall time
(it is about using two cores); pair 4 is VmRSS of a fresh worker process after gc.collect().

1. a warm render of the default certificate against a bare WeasyPrint ``write_pdf`` of the same
   HTML with the same options (stylesheets, PDF/A-3b, the attachment);
2. a Chinese name against a Latin name;
3. rendering a bulk batch with 2 worker processes against 1;
4. a worker's resident memory after N renders against after 50.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from weasyprint import HTML, Attachment  # noqa: E402

from course.certificates.render import (  # noqa: E402
    CertificateContent,
    RenderJob,
    render_job,
    render_many,
    renderer_for,
)

FOLDER = ROOT / "certificates" / "default"
ATTACHMENT = (
    "credential.json",
    b'{"type": "EnvelopedVerifiableCredential", "id": "data:..."}',
    "x",
)
METADATA = {"title": "结业证书", "author": "示例市政务服务中心", "subject": "STC-2026-000001"}


def content(name: str = "王小明", serial: int = 1) -> CertificateContent:
    return CertificateContent(
        recipient_name=name,
        course_title={"zh-CN": "服务团队协作", "en": "Service Team Collaboration"},
        issuer_name={"zh-CN": "示例市政务服务中心", "en": "Example City Service Centre"},
        hours=6,
        completed_on=date(2026, 11, 23),
        valid_until=date(2028, 11, 23),
        final_score=0.92,
        serial=f"STC-2026-{serial:06d}",
        code=f"bench-code-{serial:06d}-abcdefgh",
        verify_url=f"https://training.example.org/verify/bench-code-{serial:06d}-abcdefgh",
        signatory_name="李华",
        signatory_title="培训负责人 / Head of Training",
    )


def paired_cpu_seconds(first, second, repeat: int) -> tuple[float, float]:
    """Median CPU seconds of two functions, run alternately so that both meet the same load.

    CPU time of this process, not wall time: other work on the machine then does not count.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for slot, function in enumerate((first, second)):
            start = time.process_time()
            function()
            times[slot].append(time.process_time() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def warm_vs_bare(repeat: int) -> tuple[float, float]:
    renderer = renderer_for(FOLDER)
    job = RenderJob(FOLDER, content(), METADATA, (ATTACHMENT,))
    html = renderer.html(job.content, METADATA)

    def bare():
        HTML(string=html, base_url=FOLDER.as_uri() + "/").write_pdf(
            stylesheets=renderer.stylesheets,
            font_config=renderer.font_config,
            pdf_variant="pdf/a-3b",
            attachments=[Attachment(string=ATTACHMENT[1], name=ATTACHMENT[0],
                                    description=ATTACHMENT[2], relationship="Data")],
        )  # fmt: skip

    render_job(job)
    bare()
    return paired_cpu_seconds(lambda: render_job(job), bare, repeat)


def chinese_vs_latin(repeat: int) -> tuple[float, float]:
    chinese = RenderJob(FOLDER, content("欧阳晓明"), METADATA, (ATTACHMENT,))
    latin = RenderJob(FOLDER, content("Alexandra Smith"), METADATA, (ATTACHMENT,))
    render_job(chinese)
    render_job(latin)
    return paired_cpu_seconds(lambda: render_job(chinese), lambda: render_job(latin), repeat)


def bulk(count: int) -> tuple[float, float]:
    jobs = [RenderJob(FOLDER, content("王小明", n), METADATA, (ATTACHMENT,)) for n in range(count)]
    results = {}
    for workers in (1, 2):
        start = time.perf_counter()
        made = sum(1 for _, outcome in render_many(jobs, workers) if isinstance(outcome, bytes))
        results[workers] = time.perf_counter() - start
        assert made == count, f"{count - made} renders failed"
    return results[1], results[2]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _memory_worker(renders: int, queue) -> None:
    import gc

    job = RenderJob(FOLDER, content(), METADATA, (ATTACHMENT,))
    for n in range(1, renders + 1):
        render_job(dataclasses.replace(job, content=content("王小明", n)))
        if n == 50:
            gc.collect()
            queue.put(("50", _rss_mb()))
    gc.collect()
    queue.put((str(renders), _rss_mb()))


def memory(renders: int) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_memory_worker, args=(renders, queue))
    process.start()
    at_50 = queue.get()[1]
    at_end = queue.get()[1]
    process.join()
    return at_end, at_50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--bulk", type=int, default=200)
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--only", choices=["render", "bulk", "memory"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["render", "bulk", "memory"])

    print(f"{'pair':45} {'A':>9} {'B':>9} {'A/B':>6}  target", flush=True)

    def row(name, a, b, target):
        print(f"{name:45} {a:9.3f} {b:9.3f} {a / b:6.2f}  {target}", flush=True)

    if "render" in only:
        row("warm render vs bare write_pdf (CPU s)", *warm_vs_bare(args.repeat), "<= 1.5")
        row("Chinese name vs Latin name (CPU s)", *chinese_vs_latin(args.repeat), "<= 1.5")
    if "bulk" in only:
        row(f"bulk {args.bulk}: 1 worker vs 2 (wall s)", *bulk(args.bulk), ">= 1.7")
    if "memory" in only:
        row(f"RSS MB after {args.renders} renders vs 50", *memory(args.renders), "<= 1.2")


if __name__ == "__main__":
    main()
