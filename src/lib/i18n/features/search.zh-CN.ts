import type { searchEn } from './search.en';

// Chinese messages of the global search (every key of ./search.en.ts).
export const searchZhCN: Record<keyof typeof searchEn, string> = {
	'search.placeholder': '客户、会话、订单号、分组、营销活动',
	'search.customers': '客户',
	'search.conversations': '会话',
	'search.orders': '订单',
	'search.segments': '客户分组',
	'search.campaigns': '营销活动',
	'search.all_customers': '查看全部 {n} 个匹配的客户',
	'search.none': '没有与“{q}”匹配的结果。',
	'search.hint': '输入姓名、拼音、电话、邮箱、订单号或分组名称。',
	'search.orders_offline': '订单号在服务器上查找：联网后在这里显示。',
	'search.orders_loading': '正在查找订单…',
	'search.order_line': '{customer} · {total} · {when}',
	'search.chat_line': '{status} · {when}',
	'search.status.open': '进行中',
	'search.status.pending': '待处理',
	'search.status.resolved': '已解决',
	'search.close': '关闭搜索',
	'search.loading': '正在载入客户…'
};
