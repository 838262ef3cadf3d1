"""Demo service guides of the police and water accounts, written by their editors and taken
through 三审 (one, 水费减免申请, waits for gov_reviewer's first review), plus the 2026 working-day
calendar. The content is plausible, not official: fees, limits and addresses are the demo city's.

Online applications (网办): 机动车驾驶证补领 and 机动车检验标志核发 (police) and 用水报装 (water,
with the property certificate as an upload) take applications online, and the bound personas
(周明, 吴建国) have applications in several states — one returned for correction, one completed
and waiting for its rating — so the clerks' queues are not empty.

Safe to run again: a guide whose code the account already has is left alone, a form already
designed is kept, a persona who already applied for a service does not apply again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from weizheng.wechat.models import OfficialAccount

from .actions import check_approve_guide, check_save_guide, do_submit_guide
from .models import ServiceGuide

REVIEWERS = {
    "police": ("police_editor", "gov_reviewer", "police_admin"),
    "water": ("water_editor", "gov_reviewer", "water_admin"),
}

POLICE_HALL = "平安市公安局交警支队车辆管理所（平安市人民路 88 号）一楼综合服务大厅"
POLICE_HOURS = "工作日 8:30–12:00，14:00–17:30（法定节假日除外）"
WATER_HALL = "平安水务集团客户服务中心（平安市滨江大道 16 号）营业大厅"
WATER_HOURS = "工作日 8:30–17:00，周六 9:00–12:00"

GUIDES: dict[str, list[dict[str, Any]]] = {
    "police": [
        {
            "data": {
                "title": "机动车驾驶证补领",
                "code": "PA-JJ-0101",
                "category": "驾驶证业务",
                "department": "平安市公安局交警支队车辆管理所",
                "mode": "both",
                "conditions": "机动车驾驶证遗失的，驾驶人可以向驾驶证核发地或者核发地以外的车辆管理所申请补领。\n驾驶证被依法扣押、扣留或者暂扣期间，不予补领。",
                "fee_fen": 1000,
                "fee_basis": "工本费每证 10 元（依据省发展改革委、省财政厅关于公安交通管理收费标准的规定）。",
                "statutory_days": 1,
                "promised_days": 0,
                "steps": "在“交管12123”App 或本公众号“服务事项”提交申请，或到车管所窗口取号\n窗口核验身份、采集照片（或上传符合要求的电子照片）\n缴纳工本费\n当场领取补领的驾驶证；网上申请的，证件通过邮政寄递送达",
                "place": POLICE_HALL,
                "hours": POLICE_HOURS,
                "phone": "0000-12345678",
            },
            "materials": [
                {"name": "居民身份证", "form": "original", "copies": 1},
                {
                    "name": "近期一寸白底免冠彩色照片",
                    "form": "original",
                    "copies": 1,
                    "note": "在车管所照相点拍照或提供数码照片回执的可免于提交",
                },
                {
                    "name": "委托书及代理人身份证明",
                    "form": "original",
                    "copies": 1,
                    "is_required": False,
                    "note": "委托他人代办时提交",
                },
            ],
            "questions": [
                {
                    "question": "补领驾驶证后原驾驶证还能用吗？",
                    "answer": "不能。补领后原驾驶证作废，不得继续使用；找回的原证请交回车管所。",
                },
                {
                    "question": "驾驶证快到期了，能同时办理换证吗？",
                    "answer": "可以。有效期满前 90 日内申请补领的，可一并办理换证，需另提交身体条件证明。",
                },
            ],
        },
        {
            "data": {
                "title": "机动车检验标志核发",
                "code": "PA-JJ-0205",
                "category": "机动车业务",
                "department": "平安市公安局交警支队车辆管理所",
                "mode": "both",
                "conditions": "机动车在检验有效期满前三个月内，经机动车安全技术检验机构检验合格（或符合免检条件），交通安全违法行为和交通事故已处理完毕的，可申领检验合格标志。",
                "fee_fen": 0,
                "fee_basis": "核发检验合格标志不收费；上线检验的检测费由检验机构按省定标准收取。",
                "statutory_days": 1,
                "promised_days": 1,
                "steps": "处理完毕车辆的交通违法和交通事故\n6 年以内免检的非营运小微型客车，在“交管12123”App 直接申领电子检验标志\n需上线检验的，到任一检验机构检验，检验合格后由检验机构代为申领\n领取电子检验标志，无需在车窗张贴",
                "place": "各机动车安全技术检验机构；" + POLICE_HALL,
                "hours": POLICE_HOURS,
                "phone": "0000-12345678",
            },
            "materials": [
                {"name": "机动车行驶证", "form": "original", "copies": 1},
                {
                    "name": "机动车交通事故责任强制保险凭证",
                    "form": "electronic",
                    "copies": 1,
                    "note": "已联网核查电子保单的免于提交",
                },
                {"name": "车船税纳税或者免征证明", "form": "original", "copies": 1},
                {
                    "name": "机动车安全技术检验合格证明",
                    "form": "original",
                    "copies": 1,
                    "is_required": False,
                    "note": "上线检验车辆提交",
                },
            ],
            "questions": [
                {
                    "question": "车辆有未处理的违法记录能领标志吗？",
                    "answer": "不能。须先处理完毕交通安全违法行为和交通事故，才能申领检验合格标志。",
                },
            ],
        },
        {
            "data": {
                "title": "交通事故快处快赔",
                "code": "PA-JJ-0310",
                "category": "交通事故处理",
                "department": "平安市公安局交警支队事故处理大队",
                "mode": "both",
                "conditions": "在本市道路上发生的、未造成人员伤亡、车辆可以移动、双方对事实无争议的财产损失交通事故。\n车辆均已投保交强险；驾驶人持有有效驾驶证，无饮酒、服用国家管制的精神药品或者麻醉药品嫌疑。",
                "fee_fen": 0,
                "fee_basis": "免费。",
                "statutory_days": None,
                "promised_days": 0,
                "steps": "开启危险报警闪光灯，在来车方向放置警告标志\n拍摄车辆全景、碰撞部位和双方车牌照片\n将车辆移至不妨碍交通的地点\n双方通过线上快处或填写《机动车交通事故快速处理协议书》确定责任\n向各自保险公司报案，到定损点定损理赔",
                "place": "事故现场线上办理；各快处快赔服务点",
                "hours": "线上 24 小时；服务点 8:30–17:30",
                "phone": "122",
            },
            "materials": [
                {"name": "机动车驾驶证", "form": "original", "copies": 1},
                {"name": "机动车行驶证", "form": "original", "copies": 1},
                {"name": "交强险保单信息", "form": "electronic", "copies": 1},
                {
                    "name": "现场照片",
                    "form": "electronic",
                    "copies": 3,
                    "note": "全景、碰撞部位、车牌各至少一张",
                },
            ],
            "questions": [
                {
                    "question": "双方对责任有争议怎么办？",
                    "answer": "请拨打 122 报警，由交警到场或通过视频方式处理；不要自行移动车辆前请先拍照固定现场。",
                },
            ],
        },
        {
            "data": {
                "title": "居住证办理",
                "code": "PA-ZA-0120",
                "category": "户政业务",
                "department": "平安市公安局各派出所",
                "mode": "offline",
                "conditions": "离开常住户口所在地，到本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的中国公民。",
                "fee_fen": 0,
                "fee_basis": "首次申领免费（依据《居住证暂行条例》）；遗失补领、损坏换领的，按规定收取工本费 20 元。",
                "statutory_days": 15,
                "promised_days": 10,
                "steps": "办理居住登记满半年后，到居住地派出所提出申请\n民警核验材料、采集照片和指纹信息\n受理后 10 个工作日内制证\n凭回执到受理派出所领取，或选择邮寄送达",
                "place": "居住地所属派出所户籍窗口",
                "hours": "工作日 8:30–12:00，14:00–17:30；周六上午轮值窗口",
                "phone": "0000-87654321",
            },
            "materials": [
                {"name": "居民身份证", "form": "original", "copies": 1},
                {"name": "近期一寸白底免冠彩色照片", "form": "original", "copies": 2},
                {
                    "name": "居住证明",
                    "form": "both",
                    "copies": 1,
                    "note": "房屋产权证明、租赁合同，或单位、学校出具的住宿证明",
                },
                {
                    "name": "就业或就读证明",
                    "form": "original",
                    "copies": 1,
                    "is_required": False,
                    "note": "以就业或连续就读条件申请的提交",
                },
            ],
            "questions": [
                {
                    "question": "居住证有效期多久？如何签注？",
                    "answer": "居住证每年签注一次。有效期满前 30 日内到居住地派出所或通过本公众号办理签注，逾期未签注的居住年限中断。",
                },
                {
                    "question": "居住证可以享受哪些服务？",
                    "answer": "可在居住地享受义务教育、基本公共就业服务、基本公共卫生服务、办理出入境证件、机动车登记、申领驾驶证等服务和便利。",
                },
            ],
        },
    ],
    "water": [
        {
            "data": {
                "title": "用水报装",
                "code": "PA-SW-0001",
                "category": "用水报装",
                "department": "平安水务集团客户服务中心",
                "mode": "both",
                "conditions": "本市供水管网覆盖范围内，新建、改建、扩建建筑需要接入公共供水管网的单位和个人。",
                "fee_fen": 0,
                "fee_basis": "建筑区划红线外供水工程费用由供水企业承担，用户不再支付（依据国家“接水零费用”改革要求）；红线内工程按合同约定。",
                "statutory_days": 20,
                "promised_days": 10,
                "steps": "线上或营业大厅提交用水申请\n工作人员 1 个工作日内联系，上门现场踏勘\n确定供水方案，签订供用水合同\n施工接水、装表通水",
                "place": WATER_HALL,
                "hours": WATER_HOURS,
                "phone": "96116",
            },
            "materials": [
                {"name": "用水申请表", "form": "original", "copies": 1, "note": "可在线填写"},
                {
                    "name": "申请人身份证明",
                    "form": "copy",
                    "copies": 1,
                    "note": "个人提交身份证，单位提交营业执照",
                },
                {"name": "不动产权证书或建设工程规划许可证", "form": "copy", "copies": 1},
            ],
            "questions": [
                {
                    "question": "报装需要跑几次？",
                    "answer": "材料齐全的最多跑一次；选择线上申请的，踏勘、签约、通水均由工作人员上门办理，一次不用跑。",
                },
            ],
        },
        {
            "data": {
                "title": "水表过户",
                "code": "PA-SW-0012",
                "category": "用户变更",
                "department": "平安水务集团客户服务中心",
                "mode": "both",
                "conditions": "房屋所有权已转移，新产权人申请变更供水户名的。",
                "fee_fen": 0,
                "fee_basis": "免费。",
                "statutory_days": 5,
                "promised_days": 1,
                "steps": "结清原户名下全部水费\n提交过户申请和材料\n现场抄表确认底数\n变更户名，新户主签订供用水合同",
                "place": WATER_HALL,
                "hours": WATER_HOURS,
                "phone": "96116",
            },
            "materials": [
                {"name": "新产权人居民身份证", "form": "original", "copies": 1},
                {"name": "不动产权证书", "form": "both", "copies": 1},
                {
                    "name": "最近一期水费缴费凭证",
                    "form": "copy",
                    "copies": 1,
                    "is_required": False,
                    "note": "系统可查询缴费记录的免于提交",
                },
            ],
            "questions": [
                {
                    "question": "原户主欠费未结清可以过户吗？",
                    "answer": "需先结清欠费。可由买卖双方协商由任一方缴清后办理。",
                },
            ],
        },
        {
            "awaiting_review": True,
            "data": {
                "title": "水费减免申请",
                "code": "PA-SW-0030",
                "category": "水费服务",
                "department": "平安水务集团客户服务中心",
                "mode": "offline",
                "conditions": "持有本市有效《最低生活保障证》或《特困人员救助供养证》的居民用户，每户每月减免 5 立方米基本水量的水费。",
                "fee_fen": 0,
                "fee_basis": "免费。",
                "statutory_days": 10,
                "promised_days": 5,
                "steps": "到营业大厅提交申请和材料\n核对低保或特困证件信息\n审核通过后自下一个抄表周期起减免",
                "place": WATER_HALL,
                "hours": WATER_HOURS,
                "phone": "96116",
            },
            "materials": [
                {"name": "申请人居民身份证", "form": "original", "copies": 1},
                {"name": "最低生活保障证或特困人员救助供养证", "form": "both", "copies": 1},
                {"name": "用户编号（见水费账单）", "form": "original", "copies": 1},
            ],
            "questions": [
                {
                    "question": "减免资格需要每年重新申请吗？",
                    "answer": "需要。每年 1 月核对一次低保或特困资格，资格取消的次月停止减免。",
                },
            ],
        },
    ],
}


def _users() -> dict[str, Any]:
    names = {name for people in REVIEWERS.values() for name in people}
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


def _load_holidays() -> None:
    from weizheng.core.management.commands.holidays_load import DATA_DIR, read_calendar
    from weizheng.core.models import Holiday
    from weizheng.core.workdays import do_load_holidays

    if Holiday.objects.filter(date__year=2026).exists():
        return
    _year, entries = read_calendar(DATA_DIR / "cn-2026.toml")
    do_load_holidays(entries=entries, actor_label="demo")


def load_demo() -> None:
    """The demo's guides (through the actions and 三审) and the 2026 calendar."""
    _load_holidays()
    users = _users()
    for slug, (author_name, first_name, final_name) in REVIEWERS.items():
        account = OfficialAccount.objects.filter(slug=slug).first()
        if account is None or not all(n in users for n in (author_name, first_name, final_name)):
            continue
        author, first, final = users[author_name], users[first_name], users[final_name]
        for spec in GUIDES[slug]:
            if ServiceGuide.objects.filter(account=account, code=spec["data"]["code"]).exists():
                continue
            with transaction.atomic():
                guide = check_save_guide(
                    account=account,
                    actor=author,
                    data={"language": account.default_language, **spec["data"]},
                    materials=spec["materials"],
                    questions=spec["questions"],
                )
                do_submit_guide(guide=guide, actor=author)
                if spec.get("awaiting_review"):
                    continue
                check_approve_guide(guide=guide, actor=first)
                check_approve_guide(guide=guide, actor=final)
    load_online_demo()


# --- online applications (网办) ---------------------------------------------------------------
# Who designs the forms and takes the department's steps (eservices.manage and cases.handle).
HANDLERS = {"police": "police_admin", "water": "water_admin"}

BINDING_FIELDS = [
    {"key": "name", "label": "申请人姓名", "kind": "text", "prefill": "name"},
    {"key": "id_number", "label": "公民身份号码", "kind": "id_number", "prefill": "id_number"},
    {"key": "phone", "label": "联系电话", "kind": "phone", "prefill": "phone"},
]
FORMS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("police", "PA-JJ-0101"): [
        *BINDING_FIELDS,
        {
            "key": "licence_class",
            "label": "准驾车型",
            "kind": "select",
            "choices": ["C1", "C2", "C3", "B1", "B2", "A1", "A2", "A3", "D", "E"],
        },
        {
            "key": "record_no",
            "label": "驾驶证档案编号",
            "kind": "text",
            "is_required": False,
            "help_text": "见驾驶证副页，12 位数字；记不清可不填。",
        },
        {
            "key": "lost_on",
            "label": "遗失或损毁日期",
            "kind": "date",
            "date_limit": "not_after_today",
        },
        {
            "key": "reason",
            "label": "补领原因",
            "kind": "select",
            "choices": ["遗失", "被盗", "损毁无法辨认"],
        },
        {
            "key": "delivery",
            "label": "领取方式",
            "kind": "select",
            "choices": ["到车管所窗口领取", "邮政寄递（到付）"],
        },
        {
            "key": "mail_address",
            "label": "邮寄地址",
            "kind": "address",
            "required_when_field": "delivery",
            "required_when_value": "邮政寄递（到付）",
            "help_text": "写明区、街道、门牌号。",
        },
        {
            "key": "photo",
            "label": "白底证件照",
            "kind": "file",
            "is_required": False,
            "file_types": ["jpeg", "png"],
            "max_size_kb": 2048,
            "help_text": "近 6 个月内白底免冠彩色正面照片；不上传的，到窗口现场采集。",
        },
    ],
    ("police", "PA-JJ-0205"): [
        *BINDING_FIELDS,
        {
            "key": "plate",
            "label": "号牌号码",
            "kind": "text",
            "help_text": "例如 粤B·12345",
        },
        {
            "key": "vehicle_type",
            "label": "车辆类型",
            "kind": "select",
            "choices": ["小型汽车（非营运）", "小型汽车（营运）", "摩托车", "其他"],
        },
        {
            "key": "registered_on",
            "label": "初次登记日期",
            "kind": "date",
            "date_limit": "not_after_today",
        },
        {
            "key": "inspection_report",
            "label": "安全技术检验合格证明",
            "kind": "file",
            "is_required": False,
            "file_types": ["pdf", "jpeg", "png"],
            "max_size_kb": 5120,
            "help_text": "6 年内免检车辆无需上传。",
        },
    ],
    ("water", "PA-SW-0001"): [
        *BINDING_FIELDS,
        {"key": "address", "label": "用水地址", "kind": "address"},
        {
            "key": "use",
            "label": "用水性质",
            "kind": "select",
            "choices": [
                "居民生活用水",
                "非居民用水（商业）",
                "非居民用水（工业）",
                "建筑施工临时用水",
            ],
        },
        {"key": "area", "label": "建筑面积（平方米）", "kind": "number"},
        {
            "key": "wanted_on",
            "label": "希望通水日期",
            "kind": "date",
            "is_required": False,
            "date_limit": "not_before_today",
        },
        {
            "key": "certificate",
            "label": "不动产权证书",
            "kind": "file",
            "file_types": ["pdf", "jpeg", "png"],
            "max_size_kb": 10240,
            "help_text": "不动产权证书或建设工程规划许可证的扫描件或清晰照片。",
        },
    ],
}
# A one-page PDF and a 1×1 white PNG standing in for the citizens' scans.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)
# persona, account, guide code, answers, files, the department's steps (status, note).
APPLICATIONS: list[dict[str, Any]] = [
    {
        "persona": "zhou-ming",
        "account": "police",
        "code": "PA-JJ-0101",
        "answers": {
            "licence_class": "C1",
            "lost_on": "2026-05-02",
            "reason": "遗失",
            "delivery": "邮政寄递（到付）",
            "mail_address": "平安市福田区华强北路 1002 号 8 栋 1203 室",
        },
        "files": {},
        "steps": [
            ("accepted", ""),
            ("under_review", ""),
            ("approved", ""),
            ("completed", "补领的驾驶证已通过 EMS 寄出，运单号 1234567890123。"),
        ],
    },
    {
        "persona": "wu-jianguo",
        "account": "police",
        "code": "PA-JJ-0101",
        "answers": {
            "licence_class": "A1",
            "lost_on": "2026-05-20",
            "reason": "损毁无法辨认",
            "delivery": "到车管所窗口领取",
        },
        "files": {"photo": ("照片.png", DEMO_PNG)},
        "steps": [
            (
                "returned",
                "上传的照片不是白底证件照，请重新上传近 6 个月内的白底免冠彩色照片，或选择到窗口现场采集。",
            ),
        ],
    },
    {
        "persona": "zhou-ming",
        "account": "police",
        "code": "PA-JJ-0205",
        "answers": {
            "plate": "粤B·D12345",
            "vehicle_type": "小型汽车（非营运）",
            "registered_on": "2020-06-18",
        },
        "files": {},
        "steps": [("accepted", "")],
    },
    {
        "persona": "zhou-ming",
        "account": "water",
        "code": "PA-SW-0001",
        "answers": {
            "address": "平安市福田区华强北路 1002 号 8 栋 1203 室",
            "use": "居民生活用水",
            "area": "89.5",
        },
        "files": {"certificate": ("不动产权证书.pdf", DEMO_PDF)},
        "steps": [],
    },
]


def _load_forms(users: dict[str, Any]) -> None:
    from .actions import check_save_form

    for (slug, code), fields in FORMS.items():
        handler = users.get(HANDLERS[slug])
        guide = ServiceGuide.objects.filter(account__slug=slug, code=code).first()
        if guide is None or handler is None or guide.form_fields.exists():
            continue
        check_save_form(guide=guide, actor=handler, fields=fields, accepts_online=True)


def _load_applications(users: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from weizheng.identity.demo import _persona_openid

    from .actions import check_save_application, check_transition
    from .models import Application

    for spec in APPLICATIONS:
        account = OfficialAccount.objects.filter(slug=spec["account"]).first()
        handler = users.get(HANDLERS[spec["account"]])
        guide = ServiceGuide.objects.filter(
            account=account, code=spec["code"], accepts_online=True
        ).first()
        openid = _persona_openid(account, spec["persona"]) if account else None
        if guide is None or handler is None or openid is None:
            continue
        if Application.objects.filter(account=account, openid=openid, guide=guide).exists():
            continue
        from weizheng.identity.selectors import active_binding

        if active_binding(account=account, openid=openid) is None:
            continue
        application = check_save_application(
            account=account,
            guide=guide,
            openid=openid,
            answers=spec["answers"],
            files={
                key: SimpleUploadedFile(name, data) for key, (name, data) in spec["files"].items()
            },
            submit=True,
        )
        for to, note in spec["steps"]:
            application = check_transition(application=application, to=to, actor=handler, note=note)


def load_online_demo() -> None:
    """The demo's application forms and the personas' applications (after load_demo's guides)."""
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=set(HANDLERS.values()))
    }
    _load_forms(users)
    _load_applications(users)
