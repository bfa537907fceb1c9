"""Near-duplicate checks against one session's suggestions: `python -m bench.similarity [n] [checks]`.

Generates n varied suggestions (156 topics in the nine fields × districts and streets × wording of
problems and measures), indexes them with `shared.similarity`, then checks `checks`
near-duplicates of indexed ones (title re-worded, paragraphs shuffled, dropped and trimmed, some
words swapped) and reports the build time, the time per check and how often the original ranks first.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from dataclasses import dataclass

from bench.stats import percentile
from shared.similarity import SimilarityIndex, term_counts, tokenize

SEED = 20250115
BODY_MIN = 300
BODY_MAX = 1500


@dataclass(frozen=True)
class Topic:
    """What a group of suggestions is about: the title's object, its key words, a department."""

    field: str
    core: str
    keywords: tuple[str, ...]
    department: str


@dataclass(frozen=True)
class Suggestion:
    """A generated suggestion."""

    id: str
    field: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        """Paragraphs joined by newlines."""
        return "\n".join(self.paragraphs)


# field → (departments, the goal the field serves, topics as "core: key words")
FIELDS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "财税金融": (
        ("市财政局", "市税务局", "市地方金融管理局", "人民银行市分行", "金融监管分局"),
        "优化营商环境、防范化解风险",
        (
            "中小微企业融资难融资贵: 中小微企业 融资 担保 贷款 信用 利率",
            "政府性融资担保体系建设: 担保机构 代偿 风险分担 担保费率 资本金",
            "涉企税费优惠政策落实: 减税降费 留抵退税 税费 政策宣传 办税",
            "地方政府债务风险防范: 隐性债务 专项债券 偿债 平台公司 化债",
            "专项债券资金使用管理: 专项债券 项目储备 资金拨付 绩效 闲置",
            "普惠金融服务农村: 普惠金融 农户 小额信贷 金融服务站 授信",
            "防范和处置非法集资: 非法集资 投资理财 风险排查 高额回报 举报",
            "预算绩效管理: 预算 绩效评价 绩效目标 项目支出 结果应用",
            "政府采购营商环境: 政府采购 供应商 中标 保证金 电子化",
            "科技型企业金融支持: 科技型企业 知识产权质押 风险投资 科创 贴息",
            "财政资金直达基层: 直达资金 基层 监控 惠企利民 拨付",
            "县级财政保障能力: 县级财政 三保 转移支付 财力 收支矛盾",
            "农业保险扩面增品: 农业保险 保费补贴 理赔 特色农产品 保险",
            "个体工商户纾困帮扶: 个体工商户 房租减免 纾困 经营 门店",
            "村级集体经济财务管理: 村级财务 集体资产 代理记账 审计 公开",
            "供应链金融发展: 供应链金融 应收账款 核心企业 票据 上下游",
            "拖欠民营企业账款清理: 拖欠账款 民营企业 清欠 工程款 支付",
            "国有资产盘活利用: 国有资产 闲置房产 盘活 出租 资产台账",
        ),
    ),
    "科教文卫": (
        ("市教育局", "市卫健委", "市文广旅局", "市科技局", "市体育局"),
        "办好人民满意的教育、推进健康城市建设",
        (
            "中小学课后服务: 课后服务 托管 教师 课程 家长",
            "普惠性学前教育: 幼儿园 普惠性 学位 保教费 幼师",
            "农村学校教师队伍建设: 乡村教师 编制 待遇 周转房 交流轮岗",
            "中小学生心理健康教育: 心理健康 心理教师 学生 心理咨询 家校",
            "职业教育产教融合: 职业院校 产教融合 实训基地 校企合作 技能人才",
            "基层医疗卫生服务能力: 乡镇卫生院 村卫生室 全科医生 医疗设备 家庭医生",
            "公立医院就医便利: 预约挂号 就医 专家号 候诊 检查结果互认",
            "医养结合服务: 医养结合 护理 失能老人 康复 养老机构",
            "公共文化服务体系: 文化馆 图书馆 农家书屋 文化活动 数字文化",
            "历史文化遗产保护: 文物 古建筑 非遗 传承人 保护修缮",
            "全民健身设施建设: 健身设施 体育场馆 健身步道 免费开放 社区",
            "校园食品安全: 食堂 食品安全 配餐 明厨亮灶 营养",
            "科技成果转化: 科技成果 转化 高校 科研院所 技术转移",
            "中医药传承发展: 中医药 中医馆 中药材 名老中医 中医",
            "青少年近视防控: 近视 视力 户外活动 电子产品 筛查",
            "院前急救体系建设: 急救 救护车 急救站 胸痛中心 呼救",
            "义务教育学位供给: 学位 大班额 新建学校 学区 入学",
            "文旅融合发展: 旅游 景区 民宿 文旅 夜间经济",
        ),
    ),
    "城乡建设": (
        ("市住建局", "市自然资源和规划局", "市城管局", "市城投公司", "市房管局"),
        "城市更新和宜居城市建设",
        (
            "老旧小区加装电梯: 加装电梯 老旧小区 低楼层 业主 审批",
            "老旧小区改造: 老旧小区 改造 管网 外墙 物业",
            "停车设施建设: 停车设施 停车位 停车场 充电桩 占道停车",
            "住宅小区物业管理服务: 物业 业委会 物业费 维修资金 小区",
            "城市内涝治理: 内涝 排水管网 雨污分流 积水点 泵站",
            "城中村改造: 城中村 拆迁 安置房 违建 改造",
            "城镇人居环境整治: 人居环境 公厕 生活污水 市容 垃圾",
            "城市绿地和口袋公园建设: 公园 口袋公园 绿地 绿道 游园",
            "农村危房改造: 危房 农房 抗震 改造 鉴定",
            "保障性住房建设: 保障性住房 公租房 租赁住房 新市民 配租",
            "城市燃气管道安全: 燃气 管道 老化 泄漏 燃气公司",
            "建筑工地扬尘管理: 扬尘 工地 渣土车 围挡 喷淋",
            "生活垃圾分类: 垃圾分类 厨余垃圾 分类投放 转运 处理设施",
            "城市道路照明: 路灯 照明 亮化 背街小巷 盲区",
            "住房公积金使用: 公积金 缴存 提取 灵活就业 贷款",
            "城乡供水管网改造: 供水管网 自来水 水压 管网改造 供水",
            "城市地下管网综合管理: 地下管线 管廊 开挖 道路 管线",
            "电动自行车安全充电: 电动自行车 充电 飞线充电 火灾 充电棚",
        ),
    ),
    "农林水利": (
        ("市农业农村局", "市水利局", "市林业局", "市气象局"),
        "保障粮食安全和防灾减灾",
        (
            "高标准农田建设: 高标准农田 灌溉 农田 土地平整 管护",
            "农田水利设施管护: 渠道 水利设施 灌区 机电井 管护",
            "小型水库除险加固: 小型水库 除险加固 大坝 安全鉴定 巡查",
            "粮食生产扶持: 粮食 种粮 补贴 农资 收购",
            "森林防火: 森林防火 护林员 火险 防火通道 野外用火",
            "河湖长制落实: 河长制 河湖 巡河 河道 采砂",
            "农业机械化: 农机 农机具 购机补贴 机耕路 农机手",
            "种业振兴: 种业 良种 育种 种子 繁育基地",
            "畜禽养殖污染治理: 畜禽养殖 粪污 资源化利用 养殖场 禁养区",
            "农产品质量安全: 农产品 农药残留 检测 追溯 农资",
            "林下经济发展: 林下经济 林地 中药材 林农 林权",
            "山洪灾害防治: 山洪 预警 监测 转移 防汛",
            "耕地保护: 耕地 撂荒 非农化 占补平衡 永久基本农田",
            "渔业转型发展: 渔业 水产养殖 禁捕 渔民 养殖尾水",
            "农业社会化服务: 社会化服务 土地托管 合作社 统防统治 小农户",
            "动物防疫体系建设: 动物防疫 防疫员 疫苗 非洲猪瘟 检疫",
            "农村饮水安全: 饮用水 水源地 水质 饮水安全 供水工程",
        ),
    ),
    "资源环境": (
        ("市生态环境局", "市自然资源局", "市发改委", "市城管局"),
        "打好污染防治攻坚战、建设美丽城市",
        (
            "大气污染防治: 空气质量 大气污染 颗粒物 工业废气 重污染天气",
            "黑臭水体治理: 黑臭水体 截污 水质 清淤 河道",
            "土壤污染防治: 土壤污染 污染地块 修复 重金属 监测",
            "矿山生态修复: 矿山 生态修复 采矿 复绿 尾矿",
            "工业固体废物处置: 固体废物 危险废物 处置 转移 非法倾倒",
            "噪声污染治理: 噪声 扰民 夜间施工 商业噪声 隔音",
            "餐饮油烟治理: 餐饮油烟 油烟净化 商户 投诉 居民楼",
            "饮用水水源地保护: 水源地 保护区 隔离 污染源 水源",
            "碳达峰碳中和: 碳排放 节能 新能源 光伏 绿色低碳",
            "自然保护地管理: 自然保护区 野生动物 栖息地 巡护 生物多样性",
            "建筑垃圾资源化利用: 建筑垃圾 消纳场 资源化 再生 偷倒",
            "塑料污染治理: 塑料 白色污染 快递包装 一次性用品 替代",
            "农业面源污染治理: 面源污染 化肥 农药 农膜 减量",
            "秸秆禁烧和综合利用: 秸秆 焚烧 综合利用 禁烧 收储",
            "生态环境执法: 环境执法 偷排 在线监测 处罚 排污单位",
            "湿地保护: 湿地 候鸟 湿地公园 围垦 生态补水",
            "医疗废物处置: 医疗废物 诊所 收集 转运 处置中心",
        ),
    ),
    "乡村振兴": (
        ("市农业农村局", "市乡村振兴局", "市商务局", "市民政局"),
        "全面推进乡村振兴",
        (
            "农村电商发展: 电商 直播带货 农产品上行 网店 物流",
            "乡村产业融合发展: 产业融合 农产品加工 休闲农业 产业链 龙头企业",
            "防止规模性返贫: 返贫 监测户 帮扶 脱贫人口 动态监测",
            "农村寄递物流体系: 快递 寄递 村级服务站 配送 物流",
            "乡村人才振兴: 人才 返乡创业 乡土人才 大学生 创业",
            "农村宅基地管理: 宅基地 建房 审批 闲置农房 一户一宅",
            "农村集体产权制度改革: 集体经济 股份合作 成员 分红 集体资产",
            "和美乡村建设: 和美乡村 村庄规划 示范村 风貌 建设",
            "农村养老服务: 农村养老 互助养老 留守老人 幸福院 助餐",
            "特色农业品牌建设: 品牌 地理标志 特色农产品 包装 营销",
            "乡村治理体系建设: 村规民约 网格 村民自治 积分制 矛盾调解",
            "农村移风易俗: 移风易俗 彩礼 红白喜事 大操大办 文明",
            "驻村帮扶: 驻村工作队 第一书记 帮扶 驻村 考核",
            "农村信用体系建设: 农村金融 授信 信用村 信用户 贷款",
            "农村留守儿童关爱: 留守儿童 关爱 监护 儿童之家 心理",
            "乡村旅游发展: 乡村旅游 农家乐 民宿 旅游线路 采摘",
            "农村公路养护: 农村公路 养护 四好农村路 路面 护栏",
        ),
    ),
    "社会保障": (
        ("市人社局", "市民政局", "市医保局", "市残联", "市退役军人事务局"),
        "兜牢民生底线",
        (
            "灵活就业人员社会保险: 灵活就业 社保 参保 缴费 新就业形态",
            "城乡居民医保: 医保 居民医保 报销 异地就医 缴费",
            "居家社区养老服务: 居家养老 社区养老 助餐 日间照料 上门服务",
            "困难群众救助: 低保 救助 特困人员 临时救助 认定",
            "残疾人就业: 残疾人 就业 辅助器具 康复 按比例就业",
            "长期护理保险: 长期护理保险 失能 护理 试点 护理机构",
            "高校毕业生就业: 高校毕业生 就业 见习 招聘 创业",
            "农民工欠薪治理: 农民工 欠薪 工资 实名制 保证金",
            "婴幼儿托育服务: 托育 婴幼儿 托位 育儿 托育机构",
            "退役军人服务保障: 退役军人 安置 优抚 服务站 就业",
            "独居老人关爱: 独居老人 空巢 探访 紧急呼叫 关爱",
            "工伤保险: 工伤 工伤认定 参保 职业病 待遇",
            "公益性岗位开发管理: 公益性岗位 就业困难 安置 岗位补贴 托底",
            "城乡居民养老金待遇: 养老金 城乡居民 基础养老金 待遇 调整",
            "困境儿童保护: 未成年人 保护 困境儿童 监护 侵害",
            "职业技能培训: 职业技能 培训 补贴 技能人才 培训机构",
            "社会救助信息化: 救助 信息平台 数据共享 主动发现 核对",
        ),
    ),
    "交通运输": (
        ("市交通运输局", "市公安局交警支队", "市公交集团", "市城管局"),
        "建设交通强市、方便群众出行",
        (
            "城市公交线网优化: 公交 线路 站点 发车 换乘",
            "农村客运: 农村客运 班车 城乡公交 通达 票价",
            "学校周边交通安全: 学校周边 上下学 交通安全 接送 护学岗",
            "交通拥堵治理: 交通拥堵 信号灯 路口 高峰 绿波",
            "道路交通安全隐患整治: 事故 隐患 路口 减速带 标志标线",
            "新能源汽车充电设施: 新能源汽车 充电桩 充电站 电网 公共充电",
            "货车超限超载治理: 超限超载 货车 治超 路面损坏 称重",
            "城市慢行系统建设: 慢行 非机动车道 人行道 骑行 步行",
            "国省道改造提升: 国道 省道 拓宽 路面 改造",
            "城乡物流配送体系: 物流 配送 冷链 物流园区 货运",
            "网约车规范管理: 网约车 合规 平台 驾驶员 运营",
            "共享单车管理: 共享单车 停放 投放 电子围栏 企业",
            "高铁站接驳: 高铁站 接驳 换乘 公交 站场",
            "桥梁安全管理: 桥梁 危桥 检测 加固 限载",
            "出租车行业管理: 出租车 司机 份子钱 巡游车 服务",
            "智慧交通建设: 智慧交通 信号 数据 平台 监控",
            "路内停车收费管理: 停车收费 咪表 收费标准 路内停车 智慧停车",
        ),
    ),
    "政法": (
        ("市公安局", "市司法局", "市中级人民法院", "市人民检察院", "市委政法委"),
        "建设更高水平的平安法治城市",
        (
            "电信网络诈骗防范: 电信诈骗 反诈 宣传 劝阻 资金",
            "基层矛盾纠纷化解: 矛盾纠纷 调解 人民调解员 诉源治理 信访",
            "公共法律服务体系: 法律援助 律师 公证 法律服务 法律顾问",
            "社区矫正: 社区矫正 矫正对象 帮教 监管 司法所",
            "校园欺凌防治: 校园欺凌 学生 法治教育 预防 处置",
            "食品药品安全监管: 食品安全 药品 抽检 小作坊 网络餐饮",
            "安全生产监管: 安全生产 隐患排查 企业主体责任 执法 事故",
            "消防安全: 消防 消防通道 消防设施 高层建筑 火灾",
            "切实解决执行难: 执行 被执行人 失信 财产查控 执行款",
            "法治宣传教育: 普法 法治宣传 法律明白人 法治 宣传",
            "养老诈骗整治: 养老诈骗 保健品 老年人 防骗 整治",
            "网格化社会治理: 网格员 网格 社会治理 综治中心 联动",
            "预防未成年人犯罪: 未成年人犯罪 预防 专门学校 帮教 网吧",
            "行政执法规范化: 行政执法 执法人员 裁量基准 执法监督 处罚",
            "禁毒工作: 禁毒 吸毒人员 戒毒 毒品 宣传",
            "交通事故纠纷处理: 交通事故 理赔 调解 保险 纠纷",
            "平安社区建设: 平安社区 监控 治安 巡逻 技防",
        ),
    ),
}


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words (long word lists read better as one string)."""
    return tuple(text.split())


# Words of each field that suggestions in it use around their topic.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "财税金融": _words(
        "财政收入 一般公共预算 税源 银行 信贷投放 不良贷款 金融机构 征信 担保公司 首贷 续贷 无还本续贷 "
        "财政补助 奖补资金 营商环境 市场主体 民营经济 资金链 政银企 对接会 贷款贴息 风险补偿金 "
        "监管 审计 绩效 资金使用 专户 账户"
    ),
    "科教文卫": _words(
        "教育资源 师资 校舍 寄宿制 生源 教学质量 学生家长 医务人员 医疗资源 医共体 分级诊疗 "
        "慢性病 公共卫生 疾控 文化设施 演出 阅读 群众文化 体育赛事 科研 人才引进 创新平台 "
        "信息化 智慧校园 远程医疗 体检"
    ),
    "城乡建设": _words(
        "规划 用地 住宅 楼栋 施工 质量 市政设施 背街小巷 人行道 绿化 排水 供热 物业企业 "
        "业主大会 建设单位 开发商 产权 验收 城市更新 片区 配套设施 社区 居民楼 施工单位 "
        "城市管理 执法 占道经营"
    ),
    "农林水利": _words(
        "农户 农民 种植 养殖 合作社 家庭农场 灌溉用水 水利工程 堤防 防洪 抗旱 病虫害 "
        "农技推广 农业技术 林业 造林 苗木 水土保持 水资源 节水 农村 农田 产量 收益 "
        "自然灾害 气象 墒情"
    ),
    "资源环境": _words(
        "生态环境 环境质量 排放 企业 监测点 环保督察 整改 污水处理厂 管网 垃圾 生态 "
        "绿色发展 自然资源 国土空间 污染治理 第三方治理 环境影响评价 排污许可 "
        "执法检查 群众投诉 在线监控 治理设施 标准 达标"
    ),
    "乡村振兴": _words(
        "村集体 村民 村干部 农村 产业 特色产业 合作社 乡村 村庄 基础设施 公共服务 "
        "乡风文明 治理 脱贫户 增收 就业 务工 产业园 示范点 衔接资金 项目库 "
        "乡镇 驻村 村级组织 经营主体"
    ),
    "社会保障": _words(
        "就业 社会保险 待遇 经办 窗口 服务中心 老年人 困难家庭 残疾 补贴 保障水平 "
        "养老服务 社会组织 志愿者 社工 兜底 资格认定 动态管理 政策宣传 经办服务 "
        "社区 家庭 照护 服务机构 政府购买服务"
    ),
    "交通运输": _words(
        "道路 车辆 通行 出行 交通组织 交通设施 停车 公交车 驾驶人 客流 线路规划 "
        "交通管理 交警 执法 运输企业 货车 道路养护 路网 交通事故 安全设施 "
        "信号控制 早晚高峰 乘客 站台 通勤"
    ),
    "政法": _words(
        "法治 执法 司法 案件 群众安全感 治安 派出所 民警 社区民警 调解组织 法院 检察院 "
        "公安机关 办案 宣传教育 风险隐患 重点人群 综合治理 基层治理 平安建设 "
        "法律法规 监督 线索 打击 防范"
    ),
}
FIELD_SENTENCES = (
    "从{fw0}看，{place}{fw1}和{fw2}方面的短板比较明显。",
    "不少基层干部反映，{kw0}与{fw4}衔接不畅，影响了{fw3}的整体效果。",
    "{dept}虽已就{fw5}出台文件，但{fw0}落实情况参差不齐。",
    "特别是在{community}等地，{fw2}问题与{kw1}交织在一起，处理难度较大。",
    "{village}的群众说，{fw1}的事“盼了好几年”。",
    "应把{kw2}和{fw3}结合起来统筹考虑，避免头痛医头、脚痛医脚。",
    "可借鉴{city}在{fw4}方面的做法，结合本地实际推进{kw3}。",
)
COMMUNITY_HEADS = _words("幸福 和平 锦绣 阳光 翠苑 金色 春晖 桂园 枫林 星光 书香 康乐 长青 紫荆 丽景 滨湖 荷塘 柏树")
COMMUNITY_TAILS = ("社区", "花园小区", "新村", "家园小区", "里社区")
VILLAGE_HEADS = _words("李家 王家 张家 刘家 陈家 杨家 赵家 黄家 周家 吴家 徐家 孙家 马家 朱家 胡家 郭家 何家 高家")
VILLAGE_TAILS = ("湾村", "坪村", "冲村", "岭村", "庄村", "坳村", "铺村", "垸村")
CITIES = ("杭州市", "成都市", "苏州市", "厦门市", "宁波市", "青岛市", "长沙市", "合肥市", "佛山市", "嘉兴市")
# A writer's habits: which of the near-synonyms a suggestion uses.
SYNONYMS = (
    ("群众", "居民", "老百姓", "市民"),
    ("部门", "单位", "职能部门"),
    ("加强", "强化", "加大"),
    ("完善", "健全", "优化"),
    ("推进", "推动", "推行"),
    ("资金", "经费"),
    ("机制", "制度"),
    ("不足", "不够", "欠缺"),
    ("明显", "突出"),
)

DISTRICTS = (
    "东城区",
    "西湖区",
    "南湖区",
    "北山区",
    "高新区",
    "经开区",
    "临江县",
    "青山县",
    "白沙县",
    "石门县",
    "桃源县",
    "凤凰县",
    "长乐县",
    "云溪区",
)
STREETS = (
    "东湖街道",
    "解放路街道",
    "人民路街道",
    "花园街道",
    "新华街道",
    "滨江街道",
    "城关镇",
    "青石镇",
    "柳树镇",
    "白马镇",
    "黄土岭镇",
    "龙潭镇",
    "大坪乡",
    "清水乡",
    "杨家湾乡",
    "三岔镇",
    "金桥街道",
    "望江街道",
    "红星街道",
    "太平镇",
    "新港镇",
    "石桥乡",
    "马坡乡",
    "桂花街道",
    "月湖街道",
    "长岭镇",
    "双河镇",
    "古城街道",
    "文昌街道",
    "五里牌街道",
)
TITLE_VERBS = (
    "加快推进",
    "进一步加强",
    "切实做好",
    "完善",
    "着力解决",
    "推动",
    "支持",
    "规范",
    "加大",
    "优化",
    "高度重视",
    "统筹推进",
)
TITLE_ENDINGS = ("的建议", "的建议", "的建议", "工作的建议", "问题的建议")
MEDIA = ("电视、广播、报纸", "微信公众号、短视频平台", "村村响广播和宣传栏", "社区公告栏和网格群")
PARTNERS = ("社会资本", "专业机构", "高校", "行业协会", "国有企业", "村集体经济组织")
LEVELS = ("市委市政府", "各县（市、区）", "各乡镇（街道）", "市直有关部门")
ORDINALS = ("一是", "二是", "三是", "四是", "五是", "六是", "七是")

BACKGROUND = (
    "近年来，{place}高度重视{core}，{dept}出台了一系列政策措施，取得了一定成效。",
    "{core}事关群众切身利益，是{goal}的重要内容。",
    "据代表走访了解，{place}现有{kw0}约{n}处，涉及群众{m}万余人。",
    "{year}年以来，{place}{kw1}方面的群众诉求达{n}件，占同类诉求的{pct}%。",
    "但从代表调研和群众反映的情况看，{core}仍存在一些短板，与人民群众的期待还有差距。",
    "今年初，本人和部分代表到{street}、{street2}等地就{core}开展专题调研，走访群众{n}户。",
    "调研发现，{street}的{kw2}问题尤为突出，群众意见较大。",
)
PROBLEMS = (
    "{kw0}底数不清，{dept}与属地乡镇（街道）之间职责边界不明确，存在多头管理、无人负责的情况",
    "资金投入不足，{kw1}主要依靠财政补助，社会资本参与意愿不强，{kw2}长效管护缺乏保障",
    "政策宣传不到位，群众对{kw0}和{kw3}相关政策知晓率不高，部分政策落实打了折扣",
    "{street}等地{kw1}基础薄弱，设施老化，部分{kw2}已超过使用年限，存在安全隐患",
    "专业人才缺乏，基层从事{kw0}管理的人员数量少、年龄偏大，专业能力不足",
    "信息化水平不高，{kw3}数据分散在各部门，未实现共享，群众办事需要多头跑",
    "监管机制不健全，对{kw1}的日常检查流于形式，发现问题后整改不及时",
    "区域发展不平衡，{place}城区与农村之间{kw0}水平差距明显，偏远地区群众获得感不强",
    "审批流程繁琐，{kw4}涉及多个部门，办理时限长，群众意见较大",
    "考核评价机制不完善，{kw2}成效缺乏量化指标，奖惩措施落实不到位",
    "群众参与度不高，{kw0}项目前期征求居民意见不充分，部分项目建成后使用率低",
    "标准规范缺失，{kw1}建设和管理缺乏统一标准，各地做法不一",
    "{kw4}方面的投诉逐年增多，{year}年{street}一地的相关投诉就达{n}件",
    "部门协调联动不够，{dept}与{dept2}在{kw3}上各自为战，没有形成工作合力",
    "后续服务跟不上，{kw2}重建设轻管理，部分设施建成后无人维护",
)
PROBLEM_DETAILS = (
    "如{street}反映，{kw0}问题已持续多年，群众多次反映仍未解决。",
    "据统计，{place}约有{pct}%的{kw1}不同程度存在上述问题。",
    "群众对此反映强烈，{year}年相关信访件占比达{pct}%。",
    "部分基层干部坦言，{kw2}工作“有心无力”。",
)
MEASURES = (
    "由{dept}牵头，会同{dept2}制定{core}专项规划，明确{kw0}和{kw1}的目标任务、责任分工和完成时限",
    "加大财政投入，设立{kw2}专项资金，对{kw0}给予适当补助，同时引导社会资本参与",
    "建立{kw1}长效管护机制，明确管护主体和管护责任，将管护经费纳入年度预算",
    "加强{kw3}信息化建设，建立统一的数据平台，实现部门间信息共享和业务协同",
    "简化{kw4}审批流程，推行一窗受理、并联审批，压缩办理时限",
    "加强宣传引导，通过{media}等渠道宣传{kw0}相关政策，提高群众知晓率和参与度",
    "加强队伍建设，充实基层{kw2}工作力量，定期开展业务培训，提高专业化水平",
    "将{core}纳入{level}年度目标考核，定期通报进展情况，对工作不力的单位予以约谈",
    "选择{street}等基础较好的地方开展{kw1}试点，总结经验后在全市推广",
    "强化监督检查，{dept}要定期对{kw0}开展专项检查，建立问题清单和整改台账",
    "鼓励{kw3}与{partner}合作，探索市场化运作模式，提高资金使用效益",
    "建立{kw4}群众诉求快速响应机制，对群众反映的问题做到件件有回音",
    "完善{kw2}配套政策，尽快出台实施细则，打通政策落地“最后一公里”",
    "借鉴先进地区经验，在{place}探索{kw3}与{kw4}统筹推进的新模式",
)
MEASURE_DETAILS = (
    "力争用{k}年时间基本解决{kw0}问题。",
    "具体可由{dept2}负责日常协调，{street}先行先试。",
    "建议每年安排资金不少于{n}万元。",
    "对成效明显的乡镇（街道）给予以奖代补。",
)
CLOSINGS = (
    "以上建议，恳请{dept}研究采纳。",
    "希望有关部门高度重视，切实把{core}这件民生实事办好。",
    "",
)
# Re-wording used for the near-duplicates: the same suggestion written by a co-signer.
REWORDINGS = (
    ("加大", "加强"),
    ("群众", "居民"),
    ("建立", "健全"),
    ("明确", "厘清"),
    ("尤为", "十分"),
    ("不足", "不够"),
    ("问题", "困难"),
    ("推广", "铺开"),
)


def _topics() -> list[Topic]:
    topics: list[Topic] = []
    for field_name, (departments, _goal, specs) in FIELDS.items():
        for j, spec in enumerate(specs):
            core, words = spec.split(": ")
            topics.append(Topic(field_name, core, tuple(words.split()), departments[j % len(departments)]))
    return topics


class _Writer:
    """One deputy writing one suggestion: the topic's words, their places and their habits."""

    def __init__(self, topic: Topic, rng: random.Random) -> None:
        self.rng = rng
        departments, goal, _ = FIELDS[topic.field]
        keywords = list(topic.keywords)
        rng.shuffle(keywords)
        streets = rng.sample(STREETS, 2)
        lead = topic.department if rng.random() < 0.7 else rng.choice(departments)
        self.slots = {f"kw{i}": word for i, word in enumerate(keywords)}
        self.slots.update({f"fw{i}": word for i, word in enumerate(rng.sample(FIELD_WORDS[topic.field], 6))})
        self.slots.update(
            core=topic.core,
            goal=goal,
            place=rng.choice(DISTRICTS),
            street=streets[0],
            street2=streets[1],
            community=rng.choice(COMMUNITY_HEADS) + rng.choice(COMMUNITY_TAILS),
            village=rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS),
            city=rng.choice(CITIES),
            dept=lead,
            dept2=rng.choice([d for d in departments if d != lead]),
        )
        # The writer's choice among near-synonyms, applied to the templates (not to names and topics).
        self.words = {word: choice for group in SYNONYMS for choice in [rng.choice(group)] for word in group}

    def fill(self, template: str) -> str:
        """The template in this writer's words, with this suggestion's names and fresh numbers."""
        rng = self.rng
        for word, choice in self.words.items():
            if word != choice:
                template = template.replace(word, choice)
        return template.format(
            **self.slots,
            n=rng.randint(12, 980),
            m=rng.randint(1, 60),
            pct=rng.randint(5, 85),
            k=rng.randint(2, 5),
            year=rng.randint(2019, 2024),
            media=rng.choice(MEDIA),
            partner=rng.choice(PARTNERS),
            level=rng.choice(LEVELS),
        )

    def item(self, ordinal: str, template: str, details: tuple[str, ...]) -> str:
        """One numbered point (一是……) with zero to three sentences of detail."""
        text = f"{ordinal}{self.fill(template)}。"
        for extra in self.rng.sample(details, self.rng.choice((0, 1, 2))):
            text += self.fill(extra)
        if self.rng.random() < 0.5:
            text += self.fill(self.rng.choice(FIELD_SENTENCES))
        return text


def _suggestion(number: int, topic: Topic, rng: random.Random) -> Suggestion:
    writer = _Writer(topic, rng)
    place = rng.choice((writer.slots["place"], writer.slots["street"], "", "", ""))
    title = f"关于{rng.choice(TITLE_VERBS)}{place}{topic.core}{rng.choice(TITLE_ENDINGS)}"
    background = "".join(writer.fill(t) for t in rng.sample(BACKGROUND, rng.randint(2, 4)))
    background += "".join(writer.fill(t) for t in rng.sample(FIELD_SENTENCES, rng.randint(1, 3)))
    problems = [writer.item(ORDINALS[j], t, PROBLEM_DETAILS) for j, t in enumerate(rng.sample(PROBLEMS, 7))]
    measures = [writer.item(ORDINALS[j], t, MEASURE_DETAILS) for j, t in enumerate(rng.sample(MEASURES, 7))]
    closing = writer.fill(rng.choice(CLOSINGS))
    target = rng.randint(BODY_MIN, BODY_MAX)
    length = len(background) + len(closing) + sum(len(p) for p in problems[:2] + measures[:2])
    n_problems = n_measures = 2
    while length < target:
        grow_problems = n_problems <= n_measures and n_problems < len(problems)
        item = problems[n_problems] if grow_problems else measures[n_measures] if n_measures < len(measures) else ""
        if not item or length + len(item) > BODY_MAX:
            break
        length += len(item)
        if grow_problems:
            n_problems += 1
        else:
            n_measures += 1
    paragraphs = [background, *problems[:n_problems], "为此，建议：", *measures[:n_measures]]
    if closing:
        paragraphs.append(closing)
    return Suggestion(f"s{number:05d}", topic.field, title, tuple(paragraphs))


def generate(n: int, seed: int = SEED) -> list[Suggestion]:
    """n varied suggestions, the same for the same n and seed."""
    rng = random.Random(seed)
    topics = _topics()
    return [_suggestion(i, rng.choice(topics), rng) for i in range(n)]


def near_duplicate(original: Suggestion, rng: random.Random) -> tuple[str, str]:
    """Title and body of the same suggestion re-submitted in other words."""
    title = original.title
    for verb in TITLE_VERBS:
        if title.startswith(f"关于{verb}"):
            other = rng.choice([v for v in TITLE_VERBS if v != verb])
            title = f"关于{other}{title[len('关于') + len(verb) :]}"
            break
    if title.endswith("工作的建议"):
        title = title.removesuffix("工作的建议") + "的建议"
    elif rng.random() < 0.5:
        title = title.removesuffix("的建议") + "工作的建议"
    paragraphs = list(original.paragraphs)
    rng.shuffle(paragraphs)
    keep = max(2, round(len(paragraphs) * rng.uniform(0.6, 0.85)))
    paragraphs = paragraphs[:keep]
    trimmed = []
    for paragraph in paragraphs:
        sentences = [s for s in paragraph.split("。") if s]
        if len(sentences) > 1 and rng.random() < 0.4:
            sentences = sentences[:-1]
        trimmed.append("。".join(sentences) + ("。" if paragraph.endswith("。") else ""))
    body = "\n".join(trimmed)
    for old, new in rng.sample(REWORDINGS, 4):
        body = body.replace(old, new)
    return title, body


def run(n: int = 5000, checks: int = 200) -> dict[str, float]:
    """Build an index of n generated suggestions and time near-duplicate checks against it."""
    tokenize("预热")  # loads jieba's dictionary outside the timings
    suggestions = generate(n)
    started = time.perf_counter()
    counts = [term_counts(s.title, s.body) for s in suggestions]
    tokenized = time.perf_counter()
    index = SimilarityIndex()
    for suggestion, c in zip(suggestions, counts, strict=True):
        index.upsert(suggestion.id, c, {"title": suggestion.title, "field": suggestion.field})
    index.refresh()
    built = time.perf_counter()

    rng = random.Random(SEED + 1)
    check_ms: list[float] = []
    query_ms: list[float] = []
    # CPU time too: on a shared machine other processes stretch the wall-clock times.
    check_cpu_ms: list[float] = []
    hits = 0
    for original in rng.sample(suggestions, checks):
        title, body = near_duplicate(original, rng)
        c0, t0 = time.process_time(), time.perf_counter()
        query = term_counts(title, body)
        t1 = time.perf_counter()
        matches = index.most_similar(query)
        t2, c2 = time.perf_counter(), time.process_time()
        check_ms.append((t2 - t0) * 1000.0)
        check_cpu_ms.append((c2 - c0) * 1000.0)
        query_ms.append((t2 - t1) * 1000.0)
        hits += bool(matches) and matches[0].suggestion_id == original.id
    # Registration goes on between checks: each upsert moves idf, and the next check pays the upkeep.
    upsert_ms: list[float] = []
    for extra in generate(checks // 10, seed=SEED + 2):
        query = term_counts(extra.title, extra.body)
        t0 = time.perf_counter()
        index.upsert(f"new-{extra.id}", query)
        index.most_similar(query)
        upsert_ms.append((time.perf_counter() - t0) * 1000.0)
    lengths = [len(s.body) for s in suggestions]
    return {
        "documents": float(n),
        "distinct_titles": float(len({s.title for s in suggestions})),
        "body_chars_median": float(statistics.median(lengths)),
        "tokenize_seconds": round(tokenized - started, 3),
        "build_seconds": round(built - tokenized, 3),
        "check_median_ms": round(statistics.median(check_ms), 2),
        "check_p99_ms": round(percentile(check_ms, 99), 2),
        "check_cpu_median_ms": round(statistics.median(check_cpu_ms), 2),
        "check_cpu_p99_ms": round(percentile(check_cpu_ms, 99), 2),
        "index_median_ms": round(statistics.median(query_ms), 2),
        "index_p99_ms": round(percentile(query_ms, 99), 2),
        "recall_at_1": round(hits / checks, 3),
        "upsert_then_check_median_ms": round(statistics.median(upsert_ms), 2) if upsert_ms else math.nan,
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    for key, value in run(*args).items():
        print(f"{key:<28} {value:g}")
