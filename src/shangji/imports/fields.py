"""The fields each kind of import fills, and the headers that name them.

Headers are compared loosely (case, spaces and punctuation ignored). Each field lists the
names it goes by, best first: our own export's headers (in English; the Chinese ones come
from the catalogue), SuiteCRM's export columns, Salesforce's field names (`Account.Name`,
`StageName`, `CloseDate`…), other common spellings and Chinese headers.
"""

import functools
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shangji.activities.choices import Direction, TaskPriority
from shangji.leads.choices import LeadStatus
from shangji.opportunities.choices import ForecastCategory, LeadSource, OpportunityType, Priority

from .models import Kind
from .values import key


@dataclass(frozen=True)
class Field:
    """A field an import can fill: its type says how a cell is read and resolved."""

    name: str
    label: Promise | str
    type: str = "text"
    names: str = ""  # the headers that name it, best first, separated by |
    required: bool = False  # to create a record (an update may leave it out)
    max_length: int | None = None
    choices: object = None  # a TextChoices class
    help: Promise | str = ""

    @property
    def synonyms(self) -> list[str]:
        return [name for name in self.names.split("|") if name]


def _external_id(names: str) -> Field:
    return Field(
        "external_id", _("External ID"), "external_id",
        f"External ID|{names}|外部ID|外部编号|ID|Id|编号", max_length=100,
        help=_("The ID in the system the data comes from; a row whose external ID is already "
               "here updates that record."),
    )  # fmt: skip


SHANGJI_ID = Field(
    "id", _("Shangji ID (update only)"), "id", "Shangji ID|商机ID",
    help=_("Rows with the ID of an existing record here update it."),
)  # fmt: skip
OWNER = Field(
    "owner", _("Owner"), "user",
    "Owner|Assigned to|Assigned User Name|Owner.Name|Owner Name|Owner Full Name|"
    "Opportunity Owner|Account Owner|Contact Owner|Sales Agent|负责人|所有者|销售|销售代表|业务员",
    help=_("User name, e-mail or full name; empty means you."),
)  # fmt: skip
DESCRIPTION = Field(
    "description", _("Description"), "long_text", "Description|描述|备注|说明|Notes"
)
ACCOUNT_NAMES = (
    "Account Name|Account.Name|Account|Company|Customer|客户名称|客户|公司|AccountId|Account ID"
)
ACCOUNT_HELP = _("Name or external ID of the account.")

# fmt: off
OPPORTUNITY_FIELDS = [
    _external_id("Opportunity ID|商机编号"),
    SHANGJI_ID,
    Field("name", _("Name"), "text", "Opportunity Name|Name|Deal Name|Opportunity|商机名称|名称|"
          "商机|项目名称|product", required=True, max_length=255),
    Field("account", _("Account"), "account", ACCOUNT_NAMES, help=ACCOUNT_HELP),
    Field("amount", _("Amount"), "decimal", "Opportunity Amount|Amount|Deal Value|Value|"
          "Close Value|金额|商机金额|合同金额", required=True),
    Field("currency", _("Currency"), "currency", "Currency|CurrencyIsoCode|Currency Code|币种|货币",
          help=_("ISO code such as CNY or USD; empty means the base currency.")),
    Field("close_date", _("Expected close date"), "date", "Expected Close Date|Close Date|"
          "CloseDate|Date Closed|预计成交日期|成交日期|预计结单日期|结束日期", required=True),
    Field("pipeline", _("Pipeline"), "pipeline", "Pipeline|销售流程",
          help=_("Empty means the pipeline chosen below.")),
    Field("stage", _("Stage"), "stage", "Sales Stage|Stage|StageName|Deal Stage|阶段|销售阶段|"
          "商机阶段", required=True, help=_("Stage name in English or Chinese.")),
    Field("probability", _("Probability (%)"), "percent", "Probability (%)|Probability|赢单率|"
          "可能性|成交概率|概率", help=_("Empty means the stage's probability.")),
    Field("forecast_category", _("Forecast category"), "choice", "Forecast Category|"
          "ForecastCategoryName|ForecastCategory|预测类别", choices=ForecastCategory),
    Field("type", _("Type"), "choice", "Type|Opportunity Type|类型|商机类型",
          choices=OpportunityType),
    Field("lead_source", _("Lead source"), "choice", "Lead Source|LeadSource|线索来源|来源",
          choices=LeadSource),
    Field("next_step", _("Next step"), "text", "Next Step|NextStep|下一步", max_length=255),
    Field("priority", _("Priority"), "choice", "Priority|优先级", choices=Priority),
    Field("campaign", _("Campaign"), "text", "Campaign|Campaign Name|Campaign.Name|市场活动",
          max_length=255),
    DESCRIPTION,
    OWNER,
    Field("lost_reason", _("Lost reason"), "text", "Lost Reason|Loss Reason|丢单原因|输单原因",
          max_length=255),
    Field("created_at", _("Created at"), "datetime", "Created at|Date Created|CreatedDate|"
          "Created Date|创建时间|创建日期"),
    Field("closed_at", _("Closed at"), "datetime", "Closed at|关闭时间",
          help=_("Only for won or lost opportunities.")),
]

ACCOUNT_FIELDS = [
    _external_id("Account ID|客户编号"),
    SHANGJI_ID,
    Field("name", _("Name"), "text", "Account Name|Name|Company|Company Name|Account|客户名称|"
          "公司名称|名称|客户|公司", required=True, max_length=255),
    Field("industry", _("Industry"), "text", "Industry|Sector|行业", max_length=100),
    Field("website", _("Website"), "text", "Website|Web Site|网站|网址", max_length=255),
    Field("phone", _("Phone"), "text", "Phone|Office Phone|Phone Office|电话|办公电话",
          max_length=50),
    Field("email", _("E-mail"), "email", "Email|Email Address|E-mail|电子邮箱|邮箱|电子邮件"),
    Field("address", _("Address"), "long_text", "Address|Billing Address|Billing Street|"
          "BillingStreet|地址"),
    Field("employees", _("Employees"), "int", "Employees|NumberOfEmployees|Number of Employees|"
          "员工人数|员工数"),
    Field("annual_revenue", _("Annual revenue"), "decimal", "Annual Revenue|AnnualRevenue|"
          "Revenue|年营业额|年收入|营业额"),
    Field("parent", _("Parent account"), "account", "Parent Account|Parent.Name|Parent|"
          "Member of|Subsidiary of|ParentId|上级客户|母公司",
          help=_("Name or external ID of an account here or in the file.")),
    DESCRIPTION,
    OWNER,
]

CONTACT_FIELDS = [
    _external_id("Contact ID|联系人编号"),
    SHANGJI_ID,
    Field("first_name", _("Given name"), "text", "First Name|FirstName|Given Name|名",
          max_length=100),
    Field("last_name", _("Family name"), "text", "Last Name|LastName|Family Name|Surname|姓",
          max_length=100),
    Field("full_name", _("Full name"), "full_name", "Name|Full Name|Contact Name|姓名|联系人|"
          "联系人姓名", help=_("Split into given and family name when those are not mapped.")),
    Field("title", _("Job title"), "text", "Title|Job Title|职位|职务", max_length=100),
    Field("account", _("Account"), "account", ACCOUNT_NAMES, required=True, help=ACCOUNT_HELP),
    Field("email", _("E-mail"), "email", "Email|Email Address|E-mail|电子邮箱|邮箱|电子邮件"),
    Field("phone", _("Phone"), "text", "Phone|Office Phone|Phone Work|Business Phone|电话|"
          "办公电话", max_length=50),
    Field("mobile", _("Mobile"), "text", "Mobile|Mobile Phone|MobilePhone|手机", max_length=50),
    DESCRIPTION,
    OWNER,
]
LEAD_FIELDS = [
    _external_id("Lead ID|线索编号"),
    SHANGJI_ID,
    Field("first_name", _("Given name"), "text", "First Name|FirstName|Given Name|名",
          max_length=100),
    Field("last_name", _("Family name"), "text", "Last Name|LastName|Family Name|Surname|姓",
          max_length=100),
    Field("full_name", _("Full name"), "full_name", "Name|Full Name|Lead Name|姓名|联系人",
          help=_("Split into given and family name when those are not mapped.")),
    Field("company", _("Company"), "text", "Company|Company Name|Account Name|公司|公司名称|单位",
          max_length=255),
    Field("title", _("Job title"), "text", "Title|Job Title|职位|职务", max_length=100),
    Field("email", _("E-mail"), "email", "Email|Email Address|E-mail|电子邮箱|邮箱|电子邮件"),
    Field("phone", _("Phone"), "text", "Phone|Office Phone|Phone Work|电话|办公电话",
          max_length=50),
    Field("mobile", _("Mobile"), "text", "Mobile|Mobile Phone|MobilePhone|手机", max_length=50),
    Field("source", _("Lead source"), "choice", "Lead Source|LeadSource|Source|线索来源|来源",
          choices=LeadSource),
    Field("status", _("Status"), "choice", "Status|Lead Status|状态|线索状态", choices=LeadStatus),
    DESCRIPTION,
    OWNER,
]

ACTIVITY_FIELDS = [
    SHANGJI_ID,
    Field("kind", _("Type"), "activity_kind", "Type|Activity Type|Kind|Module|TaskSubtype|类型|"
          "活动类型", required=True, help=_("Call, meeting, task or note.")),
    Field("subject", _("Subject"), "text", "Subject|主题|标题", max_length=255),
    Field("body", _("Notes"), "long_text", "Description|Notes|Body|Comments|内容|备注|说明"),
    Field("minutes", _("Minutes"), "long_text", "Minutes|Meeting Minutes|会议纪要|纪要"),
    Field("status", _("Status"), "text", "Status|状态",
          help=_("Planned, Held, Not held for calls and meetings; Not started, In progress, "
                 "Completed, Pending input, Deferred for tasks.")),
    Field("direction", _("Direction"), "choice", "Direction|Call Direction|方向",
          choices=Direction),
    Field("priority", _("Priority"), "choice", "Priority|优先级", choices=TaskPriority),
    Field("starts_at", _("Start or due time"), "datetime", "Start Date|Start|Date Start|"
          "Due Date|ActivityDate|StartDateTime|Date|开始时间|日期|截止日期"),
    Field("ends_at", _("End"), "datetime", "End Date|End|Date End|EndDateTime|结束时间"),
    Field("duration_minutes", _("Duration (minutes)"), "int", "Duration Minutes|Duration|"
          "DurationInMinutes|时长"),
    Field("location", _("Location"), "text", "Location|地点", max_length=255),
    Field("opportunity", _("Opportunity"), "record", "Opportunity|Opportunity Name|"
          "Opportunity ID|商机|商机名称", help=_("External ID, Shangji ID or a unique name.")),
    Field("account", _("Account"), "account", "Account Name|Account|Company|客户名称|客户|公司",
          help=ACCOUNT_HELP),
    Field("contact", _("Contact"), "record", "Contact|Contact Name|Contact Email|联系人",
          help=_("External ID, e-mail or a unique name.")),
    Field("lead", _("Lead"), "record", "Lead|Lead ID|线索", help=_("External ID or e-mail.")),
    OWNER,
]
# fmt: on

FIELDS: dict[str, list[Field]] = {
    Kind.OPPORTUNITIES: OPPORTUNITY_FIELDS,
    Kind.ACCOUNTS: ACCOUNT_FIELDS,
    Kind.CONTACTS: CONTACT_FIELDS,
    Kind.LEADS: LEAD_FIELDS,
    Kind.ACTIVITIES: ACTIVITY_FIELDS,
}


def fields_of(kind: str) -> dict[str, Field]:
    return {field.name: field for field in FIELDS[kind]}


@functools.cache
def _header_keys(kind: str) -> dict[str, list[str]]:
    """Each field's header keys, best first: its names and label, in English and Chinese."""
    keys: dict[str, list[str]] = {}
    for field in FIELDS[kind]:
        with translation.override("en"):
            words = [*field.synonyms, str(field.label)]
        with translation.override("zh-hans"):
            words += [translation.gettext(word) for word in field.synonyms]
            words.append(str(field.label))
        found: list[str] = []
        for word in words:
            if (word_key := key(word)) and word_key not in found:
                found.append(word_key)
        keys[field.name] = found
    return keys


def propose_fields(kind: str, headers: list[str]) -> dict[str, dict]:
    """Each field to the header that names it best (a header serves one field)."""
    candidates = []
    for name, field_keys in _header_keys(kind).items():
        for header in headers:
            if (header_key := key(header)) in field_keys:
                candidates.append((field_keys.index(header_key), name, header))
    chosen: dict[str, str] = {}
    for _rank, name, header in sorted(candidates, key=lambda item: item[0]):
        if name not in chosen and header not in chosen.values():
            chosen[name] = header
    return {name: {"column": chosen[name]} for name in fields_of(kind) if name in chosen}
