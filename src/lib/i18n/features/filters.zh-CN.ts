import type { filtersEn } from './filters.en';

// Chinese messages of the filters feature (every key of ./filters.en.ts); merged by ../zh-CN.ts.
export const filtersZhCN: Record<keyof typeof filtersEn, string> = {
	'filters.button': '筛选',
	'filters.title': '筛选与排序',
	'filters.any': '全部',
	'filters.tag': '标签',
	'filters.category': '分类',
	'filters.region': '地区',
	'filters.mine': '只看我的客户',
	'filters.rfm': 'RFM 分群',
	'filters.last_purchase': '最近购买',
	'filters.lp.within30': '30 天内',
	'filters.lp.days30to90': '30 到 90 天前',
	'filters.lp.over90': '90 天以前',
	'filters.lp.never': '从未购买',
	'filters.sort': '排序',
	'filters.sort.name': '姓名',
	'filters.sort.updated': '最近修改',
	'filters.sort.spend': '累计消费',
	'filters.none': '没有符合筛选条件的客户。',
	'filters.clear': '清除筛选',
	'filters.active': '已启用 {n} 个筛选',
	'rfm.champions': '重要价值客户',
	'rfm.loyal': '忠诚客户',
	'rfm.potential_loyalists': '潜力客户',
	'rfm.new': '新客户',
	'rfm.at_risk': '流失风险客户',
	'rfm.hibernating': '沉睡客户',
	'rfm.lost': '已流失客户'
};
