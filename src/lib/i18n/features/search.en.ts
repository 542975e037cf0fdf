// English messages of the global search; registered by its dialog (zh-CN beside it).
export const searchEn = {
	'search.placeholder': 'Customers, chats, order numbers, segments, campaigns',
	'search.customers': 'Customers',
	'search.conversations': 'Chats',
	'search.orders': 'Orders',
	'search.segments': 'Segments',
	'search.campaigns': 'Campaigns',
	'search.all_customers': 'All {n} matching customers',
	'search.none': 'Nothing matches “{q}”.',
	'search.hint': 'Type a name, pinyin, phone, e-mail, order number or segment.',
	'search.orders_offline': 'Order numbers are searched on the server: back online, they show here.',
	'search.orders_loading': 'Looking up orders…',
	'search.order_line': '{customer} · {total} · {when}',
	'search.chat_line': '{status} · {when}',
	'search.status.open': 'open',
	'search.status.pending': 'pending',
	'search.status.resolved': 'resolved',
	'search.close': 'Close search',
	'search.loading': 'Loading customers…'
} as const;
