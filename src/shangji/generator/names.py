"""Word lists for generated names: companies, people, deals and activity texts.

Chinese words carry their pinyin so that web sites, e-mail addresses and user names derived
from them look like the ones real companies and people have.
"""

CITIES = [
    ("上海", "shanghai"), ("北京", "beijing"), ("杭州", "hangzhou"), ("南京", "nanjing"),
    ("苏州", "suzhou"), ("广州", "guangzhou"), ("深圳", "shenzhen"), ("成都", "chengdu"),
    ("武汉", "wuhan"), ("宁波", "ningbo"), ("厦门", "xiamen"), ("青岛", "qingdao"),
    ("天津", "tianjin"), ("重庆", "chongqing"), ("西安", "xian"), ("长沙", "changsha"),
    ("郑州", "zhengzhou"), ("合肥", "hefei"), ("无锡", "wuxi"), ("佛山", "foshan"),
    ("东莞", "dongguan"), ("济南", "jinan"), ("大连", "dalian"), ("沈阳", "shenyang"),
    ("福州", "fuzhou"), ("昆明", "kunming"), ("南昌", "nanchang"), ("温州", "wenzhou"),
    ("常州", "changzhou"), ("珠海", "zhuhai"),
]  # fmt: skip

BRANDS = [
    ("新城", "xincheng"), ("华联", "hualian"), ("东方", "dongfang"), ("星河", "xinghe"),
    ("锦绣", "jinxiu"), ("青禾", "qinghe"), ("明珠", "mingzhu"), ("港湾", "gangwan"),
    ("华信", "huaxin"), ("恒通", "hengtong"), ("金桥", "jinqiao"), ("天元", "tianyuan"),
    ("瑞丰", "ruifeng"), ("宏达", "hongda"), ("永安", "yongan"), ("中科", "zhongke"),
    ("博远", "boyuan"), ("嘉禾", "jiahe"), ("鼎盛", "dingsheng"), ("汇通", "huitong"),
    ("力拓", "lituo"), ("远航", "yuanhang"), ("长城", "changcheng"), ("万达", "wanda"),
    ("安泰", "antai"), ("盛世", "shengshi"), ("海纳", "haina"), ("云启", "yunqi"),
    ("光明", "guangming"), ("朝阳", "zhaoyang"), ("立信", "lixin"), ("同创", "tongchuang"),
    ("正泰", "zhengtai"), ("德润", "derun"), ("富源", "fuyuan"), ("和美", "hemei"),
    ("凯瑞", "kairui"), ("君诚", "juncheng"), ("鸿业", "hongye"), ("联创", "lianchuang"),
    ("维康", "weikang"), ("佳美", "jiamei"), ("九州", "jiuzhou"), ("环球", "huanqiu"),
    ("天成", "tiancheng"), ("润泽", "runze"), ("华晨", "huachen"), ("新锐", "xinrui"),
    ("百川", "baichuan"), ("世纪", "shiji"), ("锐思", "ruisi"), ("优品", "youpin"),
    ("城建", "chengjian"), ("绿源", "lvyuan"), ("蓝海", "lanhai"), ("银河", "yinhe"),
    ("晨光", "chenguang"), ("金源", "jinyuan"), ("华美", "huamei"), ("振华", "zhenhua"),
    ("盈科", "yingke"), ("信达", "xinda"), ("启明", "qiming"), ("恒瑞", "hengrui"),
    ("万通", "wantong"), ("宝利", "baoli"), ("华安", "huaan"), ("天华", "tianhua"),
    ("兴业", "xingye"), ("昌盛", "changsheng"), ("卓越", "zhuoyue"), ("精诚", "jingcheng"),
    ("同方", "tongfang"), ("安捷", "anjie"), ("东升", "dongsheng"), ("嘉信", "jiaxin"),
    ("泰和", "taihe"), ("华润", "huarun"), ("智联", "zhilian"), ("新天地", "xintiandi"),
]  # fmt: skip

# (word, pinyin, industry shown on the account)
INDUSTRIES_ZH = [
    ("百货", "baihuo", "零售百货"), ("商厦", "shangsha", "零售百货"),
    ("购物中心", "gouwu", "购物中心"), ("电子", "dianzi", "电子制造"),
    ("科技", "keji", "软件与信息技术"), ("软件", "ruanjian", "软件与信息技术"),
    ("物流", "wuliu", "物流运输"), ("医药", "yiyao", "医药健康"),
    ("机械", "jixie", "装备制造"), ("汽车零部件", "qipei", "汽车"),
    ("食品", "shipin", "食品饮料"), ("饮料", "yinliao", "食品饮料"),
    ("纺织", "fangzhi", "纺织服装"), ("服饰", "fushi", "纺织服装"),
    ("建材", "jiancai", "建筑建材"), ("地产", "dichan", "房地产"),
    ("能源", "nengyuan", "能源"), ("化工", "huagong", "化工"),
    ("教育", "jiaoyu", "教育培训"), ("传媒", "chuanmei", "文化传媒"),
    ("酒店", "jiudian", "酒店餐饮"), ("餐饮", "canyin", "酒店餐饮"),
    ("电商", "dianshang", "电子商务"), ("通信", "tongxin", "通信"),
    ("银行", "yinhang", "金融"), ("保险", "baoxian", "金融"),
    ("环保", "huanbao", "环保"), ("农业", "nongye", "农业"),
    ("家居", "jiaju", "家居建材"), ("包装", "baozhuang", "包装印刷"),
    ("仪器", "yiqi", "仪器仪表"), ("光电", "guangdian", "电子制造"),
    ("新材料", "xincailiao", "新材料"), ("供应链", "gongyinglian", "物流运输"),
    ("实业", "shiye", "综合"), ("集团", "jituan", "综合"),
    ("贸易", "maoyi", "商贸"), ("商贸", "shangmao", "商贸"),
    ("超市", "chaoshi", "零售百货"), ("制药", "zhiyao", "医药健康"),
]  # fmt: skip

LEGAL_FORMS_ZH = ["有限公司", "股份有限公司"]

LATIN_PLACES = [
    "", "Nordic", "Pacific", "Atlantic", "Alpine", "Baltic", "Euro", "Global", "Metro",
    "Northern", "Western",
]  # fmt: skip
LATIN_WORDS = [
    "Acme", "Apex", "Summit", "Vertex", "Harbor", "Lumen", "Orbit", "Crest", "Bright",
    "Evergreen", "Silverline", "Redwood", "Bluewater", "Ironbridge", "Keystone", "Northstar",
    "Oakridge", "Pinnacle", "Quantum", "Riverside", "Sterling", "Trident", "Unity", "Vanguard",
    "Westfield", "Zenith", "Atlas", "Beacon", "Cascade", "Delta", "Echo", "Falcon", "Granite",
    "Horizon", "Insight", "Juniper", "Kestrel", "Lighthouse", "Meridian", "Nimbus", "Olympus",
    "Prism", "Radiant", "Sapphire", "Titan", "Upland", "Vista", "Willow", "Xenon", "Yardley",
    "Zephyr", "Aurora", "Brookfield", "Coral", "Dynamo", "Emerald", "Fjord", "Glacier",
    "Hudson", "Ivory", "Jasper", "Kingsley", "Lakeside", "Mosaic", "Newport", "Onyx",
    "Phoenix", "Regent", "Solstice", "Tundra", "Ultra", "Velvet", "Whitmore", "Yukon",
    "Lindqvist", "Miller", "Schneider", "Dubois", "Rossi", "Novak",
]  # fmt: skip
# (word, industry shown on the account)
LATIN_INDUSTRIES = [
    ("Trading", "Wholesale"), ("Retail", "Retail"), ("Style", "Fashion retail"),
    ("Outlet", "Outlet retail"), ("Logistics", "Logistics"), ("Systems", "Information technology"),
    ("Software", "Software"), ("Foods", "Food and beverage"), ("Pharma", "Pharmaceuticals"),
    ("Motors", "Automotive"), ("Energy", "Energy"), ("Textiles", "Textiles"),
    ("Electronics", "Electronics"), ("Instruments", "Instruments"), ("Media", "Media"),
    ("Hotels", "Hospitality"), ("Supply", "Wholesale"), ("Industries", "Manufacturing"),
    ("Materials", "Materials"), ("Packaging", "Packaging"), ("Labs", "Biotechnology"),
    ("Telecom", "Telecommunications"), ("Capital", "Financial services"),
    ("Engineering", "Engineering"), ("Home", "Home furnishing"), ("Health", "Healthcare"),
    ("Chemicals", "Chemicals"), ("Marine", "Shipping"), ("Agri", "Agriculture"),
    ("Design", "Design"),
]  # fmt: skip
LATIN_FORMS = [
    "Inc.", "Ltd.", "GmbH", "AB", "S.A.", "B.V.", "Co.", "LLC", "plc", "S.r.l.", "Oy", "AG",
]  # fmt: skip
LATIN_CITIES = [
    "1 Market St, San Francisco", "Drottninggatan 53, Stockholm", "Friedrichstraße 68, Berlin",
    "12 Rue de Rivoli, Paris", "Via Roma 10, Milano", "Damrak 1, Amsterdam",
    "221 King St, London", "5th Avenue 300, New York", "Mannerheimintie 12, Helsinki",
    "Bahnhofstrasse 20, Zürich", "Gran Vía 28, Madrid", "Orchard Road 238, Singapore",
]  # fmt: skip
STREETS_ZH = [
    "中山路", "人民路", "解放路", "建设路", "延安路", "南京路", "长江路", "科技园路",
    "滨江大道", "世纪大道", "和平路", "新华路", "工业园区星湖街", "高新区创业路",
]  # fmt: skip

FAMILY_NAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"),
    ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"), ("沈", "shen"),
]  # fmt: skip
GIVEN_NAMES = [
    ("芳", "fang"), ("明", "ming"), ("强", "qiang"), ("静", "jing"), ("磊", "lei"),
    ("悦", "yue"), ("伟", "wei"), ("敏", "min"), ("丽", "li"), ("涛", "tao"),
    ("浩", "hao"), ("婷", "ting"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("超", "chao"), ("霞", "xia"),
    ("建国", "jianguo"), ("静怡", "jingyi"), ("嘉欣", "jiaxin"), ("志远", "zhiyuan"),
    ("建华", "jianhua"), ("晓明", "xiaoming"), ("海燕", "haiyan"), ("子涵", "zihan"),
    ("雨桐", "yutong"), ("俊杰", "junjie"), ("欣怡", "xinyi"), ("浩然", "haoran"),
    ("思远", "siyuan"), ("梓萱", "zixuan"), ("文博", "wenbo"), ("佳琪", "jiaqi"),
    ("宇航", "yuhang"), ("雅婷", "yating"), ("晨曦", "chenxi"), ("国强", "guoqiang"),
    ("秀英", "xiuying"), ("桂兰", "guilan"), ("志强", "zhiqiang"), ("丽娟", "lijuan"),
    ("少华", "shaohua"), ("春梅", "chunmei"), ("立新", "lixin"), ("文静", "wenjing"),
    ("鹏飞", "pengfei"), ("慧敏", "huimin"),
]  # fmt: skip
LATIN_GIVEN = [
    "Anna", "James", "Maria", "Peter", "Sofia", "Lukas", "Emma", "Oliver", "Chloé", "Marco",
    "Laura", "Daniel", "Sarah", "Thomas", "Elena", "Jonas", "Julia", "David", "Nina", "Paul",
    "Hannah", "Erik", "Clara", "Luca", "Isabel", "Felix", "Grace", "Henrik", "Alice", "Victor",
]  # fmt: skip
LATIN_FAMILY = [
    "Lindqvist", "Miller", "Schneider", "Dubois", "Rossi", "Novak", "Smith", "Johnson", "Müller",
    "Martin", "Bernard", "Garcia", "Jansen", "Nielsen", "Virtanen", "Kowalski", "Brown",
    "Fischer", "Moreau", "Ricci", "de Vries", "Andersson", "Wilson", "Weber", "Lambert",
    "Romano", "Berg", "Taylor", "Meyer", "Laurent",
]  # fmt: skip
TITLES_ZH = [
    "采购经理", "副总经理", "品类主管", "招商总监", "供应链经理", "总经理", "运营总监",
    "采购专员", "IT 总监", "财务总监", "技术负责人", "行政经理", "市场总监", "项目经理",
]  # fmt: skip
TITLES_EN = [
    "Head of Buying", "Merchandising Director", "Buyer", "CFO", "CTO", "IT Manager",
    "Procurement Manager", "Operations Director", "Project Manager", "CEO",
]  # fmt: skip

# What the generated company sells: deal names are "<account> <project>".
PROJECTS_ZH = [
    "年度采购框架协议", "ERP 系统升级", "门店数字化改造", "仓储自动化项目", "年度维保合同",
    "数据中心扩容", "供应链协同平台", "会员系统建设", "新工厂设备采购", "春季新品入驻",
    "秋冬系列专柜", "员工制服定制", "线上旗舰店代运营", "安全生产监控系统", "办公网络改造",
    "年度联营合作", "智能收银终端", "冷链物流服务", "培训服务包", "云服务订阅",
]  # fmt: skip
PROJECTS_EN = [
    "Annual supply agreement", "ERP upgrade", "Store digitalisation", "Warehouse automation",
    "Support renewal", "Data centre expansion", "Supply chain platform", "Loyalty programme",
    "Equipment purchase", "Spring collection listing", "Uniform order", "Cloud subscription",
    "Training package", "Point-of-sale rollout", "Network refresh",
]  # fmt: skip
NEXT_STEPS_ZH = [
    "发送报价单", "安排产品演示", "约见采购负责人", "提交技术方案", "跟进合同审批",
    "寄送样品", "确认预算", "安排高层拜访", "准备投标文件", "回复技术问题",
]  # fmt: skip
NEXT_STEPS_EN = [
    "Send the quote", "Schedule a demo", "Meet the buyer", "Send the technical proposal",
    "Follow up on contract approval", "Ship samples", "Confirm the budget",
]  # fmt: skip
CAMPAIGNS = [
    "2025 上海国际工业博览会", "2026 春季新品发布会", "双十一促销", "年中客户答谢会",
    "Canton Fair 2025", "Website webinar series", "合作伙伴大会",
]  # fmt: skip
LOST_REASONS_ZH = [
    "价格高于竞争对手", "选择了竞争对手", "预算取消", "项目延期到明年", "客户内部重组",
    "需求不匹配", "交付周期太长", "决策人变更", "无回应",
]  # fmt: skip
LOST_REASONS_EN = [
    "Went with a competitor", "No budget", "Price too high", "Project postponed",
    "No decision", "Requirements did not fit",
]  # fmt: skip

CALLS_ZH = [
    ("需求沟通", "了解客户当前流程和痛点，约定下周提供方案。"),
    ("报价沟通", "客户认为价格偏高，希望看到分项报价和竞品对比。"),
    ("进度跟进", "客户内部评估中，预计两周内给出反馈。"),
    ("技术答疑", "解答接口和数据迁移问题，对方技术负责人基本认可。"),
    ("合同条款确认", "就付款方式和验收标准达成初步一致。"),
    ("售后回访", "客户对交付满意，提出二期需求。"),
    ("预约拜访", "约定下周二上门拜访采购和技术负责人。"),
]  # fmt: skip
CALLS_EN = [
    ("Discovery call", "Went through their current process; proposal due next week."),
    ("Pricing discussion", "They find the price high and want a line-item quote."),
    ("Status check", "Internal evaluation ongoing; feedback expected in two weeks."),
    ("Technical questions", "Answered integration and migration questions."),
    ("Contract terms", "Agreed on payment terms and acceptance criteria in principle."),
]  # fmt: skip
MEETINGS_ZH = [
    ("方案演示", "会议室"), ("高层拜访", "客户总部"), ("需求调研会", "客户现场"),
    ("商务谈判", "我司会议室"), ("季度业务回顾", "线上会议"), ("项目启动会", "客户现场"),
]  # fmt: skip
MEETINGS_EN = [
    ("Product demo", "Online"), ("Executive visit", "Customer HQ"),
    ("Requirements workshop", "On site"), ("Negotiation meeting", "Our office"),
    ("Quarterly business review", "Online"),
]  # fmt: skip
TASKS_ZH = [
    "准备报价单", "整理竞品价格对比", "提交技术方案", "跟进样品反馈", "准备合同草案",
    "安排产品演示", "发送会议纪要", "确认交付计划", "催收尺码表", "更新客户资料",
]  # fmt: skip
TASKS_EN = [
    "Prepare the quote", "Send meeting notes", "Draft the contract", "Prepare the demo",
    "Confirm the delivery plan", "Update the account plan",
]  # fmt: skip
NOTES_ZH = [
    ("客户关注点", "客户重点关注交付周期、售后响应和总体拥有成本。"),
    ("决策链", "采购部初审，技术部评估，最终由副总经理审批。"),
    ("竞争情况", "竞品报价低约 8%，但交付能力存疑。"),
    ("预算信息", "今年预算已批，需在季度末前完成采购流程。"),
]  # fmt: skip
NOTES_EN = [
    ("Customer concerns", "Delivery time, support response and total cost of ownership."),
    ("Decision process", "Procurement first, then IT; the COO signs."),
    ("Competition", "A competitor quoted about 8% lower but cannot deliver on time."),
]  # fmt: skip
EMAILS_ZH = [
    ("产品资料", "您好：\n\n附上产品资料和案例介绍，请查收。\n\n谢谢"),
    ("报价单", "您好：\n\n按照沟通内容更新了报价单，请审阅。\n\n谢谢"),
    ("会议纪要", "您好：\n\n附上今天的会议纪要，如有遗漏请指正。\n\n谢谢"),
    ("回复：合同草案", "您好：\n\n合同草案已转法务审核，预计下周反馈。\n\n谢谢"),
]  # fmt: skip
EMAILS_EN = [
    ("Product overview", "Hello,\n\nPlease find our product overview attached.\n\nBest regards"),
    ("Updated quote", "Hello,\n\nHere is the updated quote as discussed.\n\nBest regards"),
    ("Meeting notes", "Hello,\n\nThe notes of today's meeting are below.\n\nBest regards"),
]  # fmt: skip
