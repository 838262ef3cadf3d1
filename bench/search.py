"""Search speed: Weizheng's full-text search beside a naive LIKE '%q%' scan, same rows, same run.

The corpus (`generate_corpus`, fixed seed): N policy-like documents of one account (100,000 by
default) built from a vocabulary of government subjects (住房公积金, 居住证, 不动产登记 … 60 major
and 200 minor ones such as 充电桩收费, drawn Zipf-like so a few are common), actions (提取, 办理, 转移 …), issuing bodies, document
kinds and sentence templates of Chinese regulations ("为规范…，根据《…》…制定本办法。",
"…应当自受理申请之日起…个工作日内作出决定。", 文号 such as 平政办发〔2019〕37号); titles such
as 平安市住房公积金提取管理办法 or 平安市人民政府办公厅关于进一步加强居住证办理工作的通知; bodies of
about 370 characters; facets: issuer, year (2000-2025), topic, validity (8 % repealed), kind.

Queries (`generate_queries`, fixed seed; subjects drawn more Zipf-like than documents, as people
ask about the popular ones): subject + action (公积金提取, 40 %), a subject alone (25 %), three
words with spaces (15 %), a document number (15 %) and one common word such as 办理 that
matches most of the corpus (5 %, the worst case; reported apart by query kind).

Per database: index build (insert + index maintenance through `index_documents`, in batches of
2,000 as an import would; jieba's segmentation is done once beforehand, in parallel, and timed
apart, since both databases index the same segmented text), then p50/p95/p99 of the full
`search()` call (query check, segmentation, synonyms, ranking, facet counts, highlighted snippets
of the first 10 hits) and of the naive scan (COUNT plus the first 10 by date, `title LIKE '%q%'
OR body LIKE '%q%'`), interleaved query by query. SQLite uses a file in a temporary directory,
PostgreSQL a throwaway database `weizheng_bench_search`; the dev database is never touched.
Figures are printed, never asserted. Target (issue #4): p95 under 50 ms at 100,000 documents.

Usage: .venv/bin/python bench/search.py [--docs 100000] [--queries 200] [--backends sqlite,postgres]
       [--seed 4] [--jobs N] [--cache FILE]

--cache FILE keeps jieba's segmentation of the corpus in FILE (a pickle, written on the first run,
read on the next ones with the same --docs and --seed), to re-run after a change to the search
code without segmenting again. Delete it after changing the segmentation or the user dictionary.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "weizheng_bench_search"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
TARGET_P95_MS = 50.0
BATCH = 2000
WARMUP_QUERIES = 20

# --- the corpus ---------------------------------------------------------------------------------
CITY = "平安市"
# subject:topic
SUBJECTS = [
    tuple(pair.split(":"))
    for pair in """
    住房公积金:住房保障 居住证:户籍管理 不动产登记:不动产 社会保险:社会保障 医疗保险:社会保障
    养老保险:社会保障 交通违法:交通管理 机动车驾驶证:交通管理 出入境证件:出入境管理
    居民身份证:户籍管理 户籍迁移:户籍管理 最低生活保障:社会救助 公共租赁住房:住房保障
    营业执照:市场监管 食品经营许可:市场监管 义务教育入学:教育 职业技能培训:就业创业
    创业担保贷款:就业创业 失业保险金:社会保障 工伤认定:社会保障 生育津贴:社会保障
    城市供水:公用事业 燃气安全:公用事业 生活垃圾分类:城市管理 建筑工地扬尘:生态环境
    排污许可:生态环境 安全生产:应急管理 消防安全检查:应急管理 防汛抗旱:应急管理
    政府信息公开:政务公开 行政复议:法治政府 政务服务事项:政务公开 企业开办:营商环境
    工程建设项目审批:营商环境 税费减免:财政税务 残疾人补贴:社会救助 高龄津贴:社会救助
    退役军人优待:退役军人 殡葬管理:民政 婚姻登记:民政 养老机构:民政 犬只管理:公安
    网约车:交通运输 公交线路:交通运输 停车收费:交通运输 电动自行车登记:交通管理
    校外培训机构:教育 医疗机构执业:卫生健康 疫苗接种:卫生健康 药品零售:市场监管
    文物保护:文化旅游 旅游景区:文化旅游 农村宅基地:农业农村 耕地保护:自然资源 人才引进:人才
    积分落户:户籍管理 老旧小区改造:住房保障 物业管理:住房保障 住房租赁:住房保障 学生资助:教育
    """.split()
]
# The long tail: 200 minor subjects (道路维护, 充电桩收费 …), as a city's documents have.
MINOR_SUBJECTS = [
    (noun + suffix, "城市建设")
    for noun in """道路 桥梁 公园 河道 学校 医院 菜市场 停车场 充电桩 路灯 广告牌 井盖 绿地 公厕
        农贸市场 体育场馆 图书馆 博物馆 社区食堂 养老驿站""".split()
    for suffix in "建设 维护 管理 改造 收费 安全 规划 验收 运营 补助".split()
]
ALL_SUBJECTS = SUBJECTS + MINOR_SUBJECTS
ACTIONS = "提取 缴存 办理 申领 补领 换领 转移 登记 审批 备案 查询 缴纳 减免 补贴 监督检查 管理 认定 变更 注销 发放".split()
DOC_TYPES = [
    ("管理办法", "办法"),
    ("实施细则", "细则"),
    ("暂行办法", "办法"),
    ("规定", "规定"),
    ("实施方案", "方案"),
    ("办事指南", "指南"),
]
NOTICES = "通知 意见 公告 批复".split()
# issuing body:abbreviation in its document numbers
ISSUERS = [
    tuple(pair.split(":"))
    for pair in """
    国务院办公厅:国办 平安市人民政府:平政 平安市人民政府办公室:平政办 平安市公安局:平公
    平安市人力资源和社会保障局:平人社 平安市住房公积金管理中心:平公积金
    平安市住房和城乡建设局:平建 平安市自然资源和规划局:平自然资源 平安市民政局:平民
    平安市医疗保障局:平医保 平安市市场监督管理局:平市监 平安市教育局:平教 平安市交通运输局:平交
    平安市生态环境局:平环 平安市应急管理局:平应急 平安市卫生健康委员会:平卫健 平安市财政局:平财
    平安市税务局:平税 平安市文化和旅游局:平文旅 平安市农业农村局:平农 平安市退役军人事务局:平退役
    平安市发展和改革委员会:平发改 平安市城市管理局:平城管 平安水务集团:平水务
    """.split()
]
PURPOSES = "规范 加强 进一步做好 优化 推进 完善".split()
APPLICANTS = "缴存职工 申请人 当事人 用人单位 参保人员 机动车所有人 企业 居民".split()
MATERIALS = "居民身份证 户口簿 居住证 营业执照 劳动合同 不动产权证书 结婚证 收入证明 完税证明 申请表 委托书 银行卡".split()
LAWS = """住房公积金管理条例 居住证暂行条例 不动产登记暂行条例 社会保险法 道路交通安全法 行政许可法
    政府信息公开条例 优化营商环境条例 行政复议法 安全生产法 消防法 食品安全法""".split()
VIOLATIONS = "逾期未办理 提供虚假材料 未按规定公开 擅自变更用途 拒不配合检查".split()
SENTENCES = [
    "为{purpose}{subject}{action}工作，根据《{law}》等有关规定，结合本市实际，制定本{short}。",
    "本{short}适用于本市行政区域内{subject}{action}及其监督管理活动。",
    "{applicant}申请{subject}{action}的，应当向{issuer}提出申请，并提交{material}、{material2}等材料。",
    "{issuer}应当自受理申请之日起{days}个工作日内作出决定；不予{action}的，应当书面说明理由。",
    "对{subject}{action}决定不服的，可以依法申请行政复议或者提起行政诉讼。",
    "{issuer}应当通过政务微信、门户网站等渠道公开{subject}{action}的办理流程和办理时限。",
    "各区县人民政府负责本辖区内{subject}{action}工作，{issuer2}负责指导和监督。",
    "违反本{short}规定，{violation}的，由{issuer}责令限期改正；情节严重的，依法给予处分。",
    "{applicant}可以通过政务微信、网上办事大厅或者窗口办理{subject}{action}，实行一次告知、限时办结。",
    "{subject}{action}不收取任何费用，所需经费列入同级财政预算。",
    "本{short}自{year}年{month}月{day}日起施行，有效期{span}年。",
]


def _subject_weights(exponent: float) -> list[float]:
    """Zipf-like: documents spread flatter over subjects (0.6) than queries do (1.0)."""
    return [1 / (rank + 1) ** exponent for rank in range(len(ALL_SUBJECTS))]


def generate_corpus(n: int, seed: int) -> list[dict]:
    """n documents, the same for the same seed (see the module docstring)."""
    rng = random.Random(seed)
    weights = _subject_weights(0.6)
    docs = []
    for i in range(n):
        subject, topic = rng.choices(ALL_SUBJECTS, weights)[0]
        action = rng.choice(ACTIONS)
        issuer, abbr = rng.choice(ISSUERS)
        doc_type, short = rng.choice(DOC_TYPES)
        year = rng.randint(2000, 2025)
        shape = rng.random()
        if shape < 0.45:
            title = f"{CITY}{subject}{action}{doc_type}"
        elif shape < 0.8:
            title = (
                f"{issuer}关于{rng.choice(PURPOSES)}{subject}{action}工作的{rng.choice(NOTICES)}"
            )
            short = "通知"
        else:
            title = f"{subject}{action}办事指南"
            short = "指南"
        fields = {
            "purpose": rng.choice(PURPOSES),
            "subject": subject,
            "action": action,
            "law": rng.choice(LAWS),
            "short": short,
            "issuer": issuer,
            "issuer2": rng.choice(ISSUERS)[0],
            "applicant": rng.choice(APPLICANTS),
            "material": rng.choice(MATERIALS),
            "material2": rng.choice(MATERIALS),
            "days": rng.choice([3, 5, 7, 10, 15, 20, 30]),
            "violation": rng.choice(VIOLATIONS),
            "year": year,
            "month": rng.randint(1, 12),
            "day": rng.randint(1, 28),
            "span": rng.choice([2, 3, 5]),
        }
        sentences = [f"{abbr}发〔{year}〕{rng.randint(1, 200)}号"]
        for template in rng.sample(SENTENCES, rng.randint(7, 11)):
            # Now and then another subject, as real documents cite neighbouring matters.
            if rng.random() < 0.15:
                fields["subject"], _ = rng.choices(ALL_SUBJECTS, weights)[0]
            sentences.append(template.format(**fields))
        validity = rng.choices(["in_force", "amended", "repealed"], [80, 12, 8])[0]
        kind = rng.choices(["policy", "guide", "news"], [70, 20, 10])[0]
        docs.append(
            {
                "key": f"bench.policy:{i}",
                "title": title,
                "body": "".join(sentences),
                "facets": {
                    "kind": kind,
                    "issuer": issuer,
                    "year": year,
                    "topic": topic,
                    "validity": validity,
                },
                "published": (year, fields["month"], fields["day"]),
            }
        )
    return docs


def generate_queries(n: int, seed: int, corpus: list[dict]) -> list[tuple[str, str]]:
    """n queries a citizen might type, the same for the same seed."""
    rng = random.Random(seed + 1)
    weights = _subject_weights(1.0)
    queries = []
    for _ in range(n):
        subject = rng.choices(ALL_SUBJECTS, weights)[0][0]
        shape = rng.random()
        if shape < 0.40:
            kind, query = "subject+action", subject + rng.choice(ACTIONS)
        elif shape < 0.65:
            kind, query = "subject", subject
        elif shape < 0.80:
            kind, query = (
                "three words",
                f"{subject} {rng.choice(ACTIONS)} {rng.choice(DOC_TYPES)[1]}",
            )
        elif shape < 0.95:
            kind, query = "document number", rng.choice(corpus)["body"].split("号", 1)[0] + "号"
        else:
            kind, query = "common word", rng.choice(["申请", "办理", "管理", "规定", "政务微信"])
        queries.append((kind, query))
    return queries


# --- segmentation (once, in parallel) -----------------------------------------------------------
def _segment(texts: list[str]) -> list[str]:
    from weizheng.search.segment import index_text

    return [index_text(text) for text in texts]


def segment_all(corpus: list[dict], jobs: int) -> tuple[dict[str, str], float]:
    texts = list(dict.fromkeys(t for doc in corpus for t in (doc["title"], doc["body"])))
    chunks = [texts[i : i + 2000] for i in range(0, len(texts), 2000)]
    started = time.perf_counter()
    with Pool(jobs) as pool:
        segmented = [s for chunk in pool.map(_segment, chunks) for s in chunk]
    return dict(zip(texts, segmented, strict=True)), time.perf_counter() - started


# --- one database (a child process, so each has its own Django set-up) ---------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def child(args) -> None:
    import datetime as dt

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "weizheng.settings.dev"
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from weizheng.search import segment
    from weizheng.search.api import Document, index_documents, search
    from weizheng.wechat.actions import do_create_account

    call_command("migrate", verbosity=0)
    account = do_create_account(
        slug="bench",
        name="平安市",
        app_id="wx0123456789abcdef",
        app_secret="0123456789abcdef0123456789abcdef",  # noqa: S106 - a throwaway account
        token="benchtoken",  # noqa: S106
        encoding_aes_key="",
        message_mode="plain",
        actor_label="bench",
    )
    corpus = generate_corpus(args.docs, args.seed)
    queries = generate_queries(args.queries, args.seed, corpus)
    with open(args.segmented, "rb") as handle:
        segmented: dict[str, str] = pickle.load(handle)  # noqa: S301 - our own file
    original = segment.index_text
    segment.index_text = lambda text: segmented.get(text) or original(text)
    segment.tokenizer()  # load jieba before timing anything (queries are segmented live)

    tz = dt.timezone(dt.timedelta(hours=8))
    started = time.perf_counter()
    for i in range(0, len(corpus), BATCH):
        docs = [
            Document(
                key=doc["key"],
                account_id=account.pk,
                language="zh-hans",
                title=doc["title"],
                body=doc["body"],
                facets=doc["facets"],
                url=f"/h5/bench/policies/{doc['key'].rsplit(':', 1)[1]}/",
                published_at=dt.datetime(*doc["published"], 9, tzinfo=tz),
            )
            for doc in corpus[i : i + BATCH]
        ]
        with transaction.atomic():
            index_documents(docs)
    build = time.perf_counter() - started
    # What production's housekeeping does after a bulk import: autovacuum merges GIN's pending
    # list and gathers statistics; FTS5's optimize merges its b-trees (actions.do_optimize_index).
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE search_searchentry")
            cursor.execute("SELECT pg_total_relation_size('search_searchentry')")
            size = cursor.fetchone()[0]
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("PRAGMA optimize")
            size = sum(p.stat().st_size for p in Path(args.tmp).glob("weizheng.sqlite3*"))
    maintenance = time.perf_counter() - started

    def naive(query: str) -> int:
        pattern = f"%{query}%"
        where = "account_id = %s AND (title LIKE %s OR body LIKE %s)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM search_searchentry WHERE {where}",  # noqa: S608
                [account.pk, pattern, pattern],
            )
            total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT id, title FROM search_searchentry WHERE {where} "  # noqa: S608
                "ORDER BY published_at DESC LIMIT 10",
                [account.pk, pattern, pattern],
            )
            cursor.fetchall()
        return total

    for _kind, query in queries[:WARMUP_QUERIES]:
        search(account_id=account.pk, query=query)
        naive(query)
    ours, theirs, our_matches, their_matches = [], [], [], []
    for _kind, query in queries:
        t0 = time.perf_counter()
        results = search(account_id=account.pk, query=query)
        t1 = time.perf_counter()
        found = naive(query)
        t2 = time.perf_counter()
        ours.append((t1 - t0) * 1000)
        theirs.append((t2 - t1) * 1000)
        our_matches.append(results.total)
        their_matches.append(found)
    slowest = sorted(zip(ours, [q for _, q in queries], strict=True), reverse=True)[:3]
    by_kind: dict[str, list[float]] = {}
    for (kind, _query), ms in zip(queries, ours, strict=True):
        by_kind.setdefault(kind, []).append(ms)
    print(
        json.dumps(
            {
                "build_s": build,
                "maintenance_s": maintenance,
                "size_mb": size / 1e6,
                "ours": ours,
                "theirs": theirs,
                "our_matches": statistics.mean(our_matches),
                "their_matches": statistics.mean(their_matches),
                "slowest": [[round(ms, 1), q] for ms, q in slowest],
                "by_kind": by_kind,
                "version": connection.vendor
                + " "
                + (
                    sqlite3.sqlite_version
                    if connection.vendor == "sqlite"
                    else str(connection.pg_version)
                ),
            },
            ensure_ascii=False,
        )
    )


# --- the parent ---------------------------------------------------------------------------------
def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def run_child(backend: str, args, tmp: Path, segmented: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["WEIZHENG_TASK_BACKEND"] = "immediate"
    workdir = tmp / backend
    workdir.mkdir()
    env["WEIZHENG_VAR_DIR"] = str(workdir)
    if backend == "postgres":
        env["DATABASE_URL"] = PG_URL
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--docs",
        str(args.docs),
        "--queries",
        str(args.queries),
        "--seed",
        str(args.seed),
        "--segmented",
        str(segmented),
        "--tmp",
        str(workdir),
    ]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{backend} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--cache", help="segmentation cache file (see the module docstring)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--segmented", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"Machine: {len(os.sched_getaffinity(0))} cores, {cpu}; Python {platform.python_version()}"
    )
    print(f"Corpus:  {args.docs:,} documents (seed {args.seed}), {args.queries} queries")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="weizheng-bench-search-"))
    status = 0
    try:
        corpus = generate_corpus(args.docs, args.seed)
        chars = sum(len(d["title"]) + len(d["body"]) for d in corpus)
        cache = Path(args.cache) if args.cache else None
        key = (args.docs, args.seed)
        segmented = None
        if cache and cache.exists():
            with open(cache, "rb") as handle:
                cached_key, segmented = pickle.load(handle)  # noqa: S301 - our own file
            if cached_key != key:
                segmented = None
        if segmented is None:
            segmented, seconds = segment_all(corpus, args.jobs)
            print(
                f"jieba:   {chars / 1e6:.1f} M characters segmented in {seconds:.1f} s "
                f"({args.jobs} processes, once for both databases)"
            )
            if cache:
                with open(cache, "wb") as handle:
                    pickle.dump((key, segmented), handle)
        else:
            print(f"jieba:   {chars / 1e6:.1f} M characters, segmentation read from {cache}")
        segmented_file = tmp / "segmented.pickle"
        with open(segmented_file, "wb") as handle:
            pickle.dump(segmented, handle)
        del corpus, segmented

        rows = []
        for backend in backends:
            if backend == "postgres":
                if not postgres_available():
                    print("PostgreSQL skipped: nothing answered at 127.0.0.1:5432")
                    continue
                postgres_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                postgres_admin(f"CREATE DATABASE {PG_DB}")
            try:
                rows.append((backend, run_child(backend, args, tmp, segmented_file)))
            except RuntimeError as failure:
                print(failure)
                status = 1
            finally:
                if backend == "postgres":
                    postgres_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

        print()
        header = (
            f"{'database':<22}{'method':<22}{'build s':>9}{'size MB':>9}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'matches':>9}"
        )
        print(header)
        print("-" * len(header))
        for _backend, r in rows:
            name = r["version"]
            print(
                f"{name:<22}{'full-text search()':<22}{r['build_s']:>9.1f}{r['size_mb']:>9.0f}"
                f"{percentile(r['ours'], 0.5):>9.1f}{percentile(r['ours'], 0.95):>9.1f}"
                f"{percentile(r['ours'], 0.99):>9.1f}{r['our_matches']:>9.0f}"
            )
            print(
                f"{'':<22}{'naive LIKE scan':<22}{'':>9}{'':>9}"
                f"{percentile(r['theirs'], 0.5):>9.1f}{percentile(r['theirs'], 0.95):>9.1f}"
                f"{percentile(r['theirs'], 0.99):>9.1f}{r['their_matches']:>9.0f}"
            )
        print()
        for backend, r in rows:
            p95 = percentile(r["ours"], 0.95)
            verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
            print(
                f"{backend}: p95 {p95:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target; "
                f"slowest: {', '.join(f'{q} {ms} ms' for ms, q in r['slowest'])}"
            )
        for backend, r in rows:
            print(f"{backend}: housekeeping after the build {r['maintenance_s']:.1f} s")
        print("matches: mean results per query (LIKE finds a query's words only side by side)")
        for backend, r in rows:
            parts = [
                f"{kind} ({len(values)}) p50 {percentile(values, 0.5):.1f} / "
                f"p95 {percentile(values, 0.95):.1f} ms"
                for kind, values in r["by_kind"].items()
            ]
            print(f"{backend} by query kind: " + "; ".join(parts))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
