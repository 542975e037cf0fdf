// Live chat for the demo (scripts/demo.mjs), through the same APIs as the widget and the console: shoppers
// start conversations on every topic, agents of two teams claim and answer them with internal notes and
// tags, some are resolved and rated, some reopened, some wait in the queue; complaints and order problems
// get cases with their service-level due times; shared canned replies. Everything happens now (the API
// stamps the times), so the service metrics show today.

const VISITORS = ['小林', '王女士', '陈先生', '李同学', '赵阿姨', '周先生', '吴小姐', '孙女士', '黄先生', '刘小姐', '郑先生', '何女士'];
const TOPICS = [
	['pre_sale', ['这款羽绒服有 M 码吗？', '今天下单什么时候发货？', '可以开发票吗？', '有没有优惠券可以用？']],
	['order_problem', ['订单三天了还没发货', '物流一直没有更新', '收到的颜色和下单的不一样', '少发了一件']],
	['complaint', ['包裹破损了，里面的杯子碎了', '客服电话一直打不通', '退款申请一周了还没到账']],
	['other', ['你们线下有门店吗？', '会员积分怎么用？']]
];
const REPLIES = {
	pre_sale: ['您好，M 码有货的，今天 16 点前下单当天发出。', '可以开电子发票，下单时填写抬头即可。'],
	order_problem: ['抱歉让您久等了，我帮您查一下物流。', '已为您加急处理，预计明天发出。'],
	complaint: ['非常抱歉给您带来不便，我们马上为您补发。', '已为您登记退款加急，1-3 个工作日到账。'],
	other: ['我们在上海和杭州有门店，地址已发您。', '积分在结算页可抵扣现金。']
};
const CANNED = [
	['/hi', '问候', '您好，这里是演示商城客服，很高兴为您服务！'],
	['/ship', '发货时间', '工作日 16 点前下单当天发货，其余次日发出。'],
	['/refund', '退款说明', '退款将在 1-3 个工作日内原路退回，请留意账户变动。']
];

/** A small seeded random source (mulberry32). */
function random(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * @param {{ url: string, count: number, seed: number, agents: { email: string, password: string }[], manager: { email: string, password: string } }} o
 * @returns {Promise<{ conversations: number, waiting: number, resolved: number, rated: number, cases: number }>}
 */
export async function demoChats({ url, count, seed, agents, manager }) {
	const rnd = random(seed);
	const pick = (list) => list[Math.floor(rnd() * list.length)];
	const send = async (method, path, body, token) => {
		const res = await fetch(url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const json = await res.json().catch(() => ({}));
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.message ?? ''} ${JSON.stringify(json.data ?? {})}`);
		return json;
	};
	const signIn = async ({ email, password }) => {
		const r = await send('POST', '/api/collections/staff/auth-with-password', { identity: email, password });
		return { token: r.token, id: r.record.id };
	};
	const staff = await Promise.all(agents.map(signIn));
	const boss = await signIn(manager);
	let n = 0;
	const clientId = () => `demo-${seed}-${Date.now().toString(36)}-${n++}`;
	const say = (conversation, body, token, extra = {}) => send('POST', '/api/collections/messages/records', { conversation, client_id: clientId(), body, ...extra }, token);

	const existing = await send('GET', `/api/collections/canned_replies/records?filter=${encodeURIComponent('shared = true && deleted != true')}&perPage=200`, undefined, boss.token);
	for (const [shortcut, title, body] of CANNED) {
		if (!existing.items.some((c) => c.shortcut === shortcut)) await send('POST', '/api/collections/canned_replies/records', { owner: boss.id, shared: true, shortcut, title, body }, boss.token);
	}

	const tally = { conversations: 0, waiting: 0, resolved: 0, rated: 0, cases: 0 };
	for (let i = 0; i < count; i++) {
		const s = await send('POST', '/api/crm/chat/session', { name: pick(VISITORS), locale: rnd() < 0.85 ? 'zh-CN' : 'en' });
		const [topic, asks] = pick(TOPICS);
		const conv = await send('POST', '/api/collections/conversations/records', { visitor: s.visitor.id, topic }, s.token);
		tally.conversations++;
		await say(conv.id, pick(asks), s.token);
		if (rnd() < 0.4) await say(conv.id, '麻烦尽快回复，谢谢', s.token);
		if (rnd() < 0.2) {
			tally.waiting++;
			continue; // left in the queue
		}
		const agent = staff[i % staff.length];
		const patch = (body, token = agent.token) => send('PATCH', `/api/collections/conversations/records/${conv.id}`, body, token);
		await patch({ assignee: agent.id });
		await say(conv.id, pick(REPLIES[topic]), agent.token);
		if (rnd() < 0.3) await say(conv.id, '老客户，优先处理', agent.token, { internal: true });
		await patch({ tags: topic === 'complaint' ? ['投诉', '加急'] : [topic === 'pre_sale' ? '售前' : '售后'] });
		if ((topic === 'complaint' || topic === 'order_problem') && rnd() < 0.6) {
			const priority = topic === 'complaint' ? pick(['high', 'urgent']) : pick(['normal', 'high']);
			const c = await send(
				'POST',
				'/api/collections/cases/records',
				{ conversation: conv.id, assignee: agent.id, kind: topic === 'complaint' ? 'complaint' : 'inquiry', category: topic === 'complaint' ? '商品破损' : '物流', priority, status: 'open', summary: pick(asks) },
				agent.token
			);
			tally.cases++;
			if (rnd() < 0.5) await send('PATCH', `/api/collections/cases/records/${c.id}`, { status: 'resolved' }, agent.token);
		}
		const end = rnd();
		if (end < 0.55) {
			await patch({ status: 'resolved' });
			tally.resolved++;
			if (rnd() < 0.7) {
				const rating = rnd() < 0.75 ? pick([4, 5, 5]) : pick([1, 2, 3]);
				await send('PATCH', `/api/collections/conversations/records/${conv.id}`, { rating, rating_comment: rating >= 4 ? '回复很快，谢谢！' : '处理太慢了' }, s.token);
				tally.rated++;
			} else if (rnd() < 0.3) {
				await say(conv.id, '还有一个问题想问', s.token); // reopens it
				tally.resolved--;
			}
		} else if (end < 0.75) await patch({ status: 'pending' });
	}
	return tally;
}
