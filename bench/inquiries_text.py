"""问政's text work, in process (no database): the duplicate detector's comparison of one new
request with N nearby candidates (jieba words + two-character shingles, Jaccard), and the
department classifier's training on M answered requests and its prediction.

The requests are generated from phrases of city complaints (fixed seed). The detector compares
at most 500 candidates (actions.find_duplicate: a box around the point, then haversine), so the
figure at 500 is the worst case a submission pays inside its transaction. Figures are printed,
never asserted.

Usage: .venv/bin/python bench/inquiries_text.py [--candidates 500] [--training 5000] [--seed 8]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACES = [
    "滨江大道",
    "解放路",
    "人民路",
    "光明路",
    "幸福里小区",
    "东湖公园",
    "文化广场",
    "建设街",
    "长江路",
]
SUBJECTS = [
    ("路灯不亮", "city"),
    ("垃圾没人清运", "city"),
    ("油烟扰民", "city"),
    ("共享单车堆积", "city"),
    ("红绿灯时间太短", "traffic"),
    ("违章停车严重", "traffic"),
    ("车辆乱停堵住路口", "traffic"),
    ("停水没有通知", "water"),
    ("水压太低", "water"),
    ("自来水浑浊有异味", "water"),
]
TAILS = ["已经一周了", "晚上很不安全", "请尽快处理", "多次反映没有结果", "影响居民生活", ""]


def requests(n: int, rng: random.Random) -> list[tuple[str, str]]:
    rows = []
    for _ in range(n):
        subject, label = rng.choice(SUBJECTS)
        text = f"{rng.choice(PLACES)}{rng.randint(1, 200)}号附近{subject}，{rng.choice(TAILS)}"
        rows.append((text, label))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--training", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizheng.settings.test")
    import django

    django.setup()
    from weizheng.inquiries import text

    rng = random.Random(args.seed)
    text.words("预热")  # jieba's dictionary loads once per process
    pool = requests(args.candidates, rng)
    probes = requests(50, rng)
    scans = []
    for probe, _label in probes:
        started = time.perf_counter()
        mine = text.shingles(probe)
        for other, _ in pool:
            text.jaccard(mine, text.shingles(other))
        scans.append((time.perf_counter() - started) * 1000)
    examples = requests(args.training, rng)
    started = time.perf_counter()
    model = text.train(examples)
    training_ms = (time.perf_counter() - started) * 1000
    predictions = []
    right = 0
    for probe, label in probes:
        started = time.perf_counter()
        guess = text.predict(model, probe)
        predictions.append((time.perf_counter() - started) * 1000)
        right += bool(guess and guess.label == label)
    print(
        f"duplicate scan of {args.candidates} candidates: p50 {statistics.median(scans):.1f} ms, "
        f"max {max(scans):.1f} ms"
    )
    print(f"classifier training on {args.training} requests: {training_ms:.0f} ms")
    print(
        f"prediction: p50 {statistics.median(predictions):.2f} ms; "
        f"{right}/{len(probes)} generated probes labelled right"
    )


if __name__ == "__main__":
    main()
