"""An example body for every request schema, shown by the API docs ("Try it out" starts from
it). tests/api/test_examples.py checks each one against its schema, so they cannot drift."""

from functools import wraps

from ninja import NinjaAPI

_DEAL = {
    "name": "新城百货合作项目",
    "amount": "100000.00",
    "currency": "USD",
    "close_date": "2027-01-31",
    "stage": 2,
}
_ACCOUNT = {"name": "新城百货", "industry": "Retail", "phone": "021-5555 0100"}
_CONTACT = {"last_name": "王", "first_name": "芳", "title": "采购经理"}

REQUEST_EXAMPLES: dict[str, dict] = {
    "TokenIn": {"username": "liming", "password": "demo1234", "name": "ERP sync"},
    "ApiKeyIn": {"name": "ERP sync", "scope": "read-write"},
    "OpportunityCreate": {
        **_DEAL,
        "new_account": _ACCOUNT,
        "new_contact": {**_CONTACT, "role": "Primary Decision Maker"},
        "lead_source": "Trade Show",
        "next_step": "下周三提交报价",
    },
    "OpportunityPatch": {"version": 3, "stage": 4, "close_date": "2027-02-28"},
    "RoleIn": {"role": "Primary Decision Maker"},
    "CompetitorIn": {"name": "优衣库", "strengths": "价格低", "weaknesses": "交期长"},
    "CompetitorPatch": {"strengths": "价格低，品牌知名"},
    "BulkUpdateIn": {"ids": [101, 102, 103], "changes": {"owner": 7, "close_date": "2027-03-31"}},
    "AccountCreate": {**_ACCOUNT, "website": "https://xincheng.example", "employees": 800},
    "AccountPatch": {"version": 2, "phone": "021-5555 0199"},
    "ContactCreate": {**_CONTACT, "account": 12, "email": "wangfang@xincheng.example"},
    "ContactPatch": {"version": 1, "title": "采购总监"},
    "LeadCreate": {
        "last_name": "赵",
        "first_name": "磊",
        "company": "北方商贸有限公司",
        "email": "zhaolei@beifang.example",
        "source": "Web Site",
    },
    "LeadPatch": {"version": 2, "status": "In Process"},
    "AssignIn": {"owner": 7, "version": 2},
    "ConvertIn": {
        "version": 3,
        "new_account": {"name": "北方商贸有限公司"},
        "new_contact": {"last_name": "赵", "first_name": "磊"},
        "opportunity": {**_DEAL, "name": "北方商贸 春季订单"},
        "activities": "move",
    },
    "SavedViewIn": {
        "name": "我的本季度",
        "query": "mine=true&close_period=this_quarter",
        "columns": ["name", "account", "amount", "stage", "close_date"],
        "sort": "-amount",
    },
    "SavedViewPatch": {"name": "本季度大单", "is_default": True},
    "MappingIn": {
        "fields": {"name": "Opportunity Name", "amount": "Amount", "close_date": "Close Date"},
        "options": {"date_order": "dmy", "create_accounts": True},
    },
    "RunIn": {"good_rows_only": False},
    "SavedMappingIn": {
        "name": "SuiteCRM export",
        "kind": "opportunities",
        "mapping": {"fields": {"name": "Opportunity Name", "amount": "Opportunity Amount"}},
    },
    "ActivityCreate": {
        "kind": "call",
        "subject": "报价跟进",
        "body": "王芳确认预算，下周给答复。",
        "starts_at": "2026-11-27T10:00:00+08:00",
        "duration_minutes": 20,
        "opportunity": 42,
    },
    "ActivityPatch": {"version": 1, "status": "held", "minutes": "客户同意试单"},
    "VersionIn": {"version": 2},
    "MarkReadIn": {"ids": [5, 6]},
    "PipelineCreate": {"name": "Renewals", "name_zh_hans": "续约"},
    "StageCreate": {"name": "Quote", "name_zh_hans": "报价", "probability": 40},
    "StagePatch": {"probability": 45, "stale_after_days": 10},
    "StageMove": {"direction": "up"},
    "StageRetire": {"move_to": 3},
    "MePatch": {"language": "zh-hans", "time_zone": "Asia/Shanghai"},
    "UserAccessPatch": {"role": "manager", "team": 2},
    "OrganisationPatch": {"fiscal_year_start_month": 4},
    "MailSettingsPatch": {
        "smtp_host": "smtp.example.com",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": "crm@example.com",
        "smtp_password": "app-password",
        "from_address": "crm@example.com",
    },
    "MailTestIn": {"to": "it@example.com"},
    "QuotasIn": {"period": "FY2026-Q4", "quotas": [{"user": 7, "amount": "250000.00"}]},
    "WebhookIn": {
        "url": "https://erp.example.com/hooks/shangji",
        "events": ["opportunity.won", "opportunity.lost"],
        "name": "ERP",
    },
    "WebhookPatch": {"is_active": True, "rotate_secret": True},
    "EmailSendIn": {
        "opportunity": 42,
        "to": ["王芳 <wangfang@xincheng.example>"],
        "subject": "新城百货合作项目 报价",
        "body_text": "王经理您好，附件是报价单，请查收。",
        "attachments": [
            {"filename": "quote.txt", "content_type": "text/plain", "content": "5oql5Lu3"}
        ],
    },
    "EmailImportIn": {
        "opportunity": 42,
        "raw": "RnJvbTogd2FuZ2ZhbmdAeGluY2hlbmcuZXhhbXBsZQpTdWJqZWN0OiBSZTog5oql5Lu3Cgrlpb3nmoQK",
    },
}


def _add_examples(document: dict) -> dict:
    schemas = document.get("components", {}).get("schemas", {})
    for name, example in REQUEST_EXAMPLES.items():
        if name in schemas:
            schemas[name].setdefault("examples", [example])
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {})
            name = _schema_name(body.get("schema", {}))
            if name in REQUEST_EXAMPLES:
                body["example"] = REQUEST_EXAMPLES[name]
    return document


def _schema_name(schema: dict) -> str:
    """The component a body refers to (directly, or as the one option beside null), or the
    title of a body written out in place."""
    for candidate in [schema, *schema.get("anyOf", [])]:
        if "$ref" in candidate:
            return candidate["$ref"].rsplit("/", 1)[-1]
    return schema.get("title", "")


def document_examples(api: NinjaAPI) -> None:
    """Put the example bodies into the API's OpenAPI document."""
    original = api.get_openapi_schema

    @wraps(original)
    def get_openapi_schema(*args, **kwargs):
        return _add_examples(original(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]
