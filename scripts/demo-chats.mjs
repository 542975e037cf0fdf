// Live chat for the demo (scripts/demo.mjs), through the same APIs as the widget and the console: shoppers
// start conversations on every topic, agents of two teams claim and answer them with internal notes and
// tags, some are resolved and rated, some reopened, some wait in the queue; complaints and order problems
// get cases with their service-level due times; shared canned replies. Everything happens now (the API
// stamps the times), so the service metrics show today, with replies seconds to a minute after the
// question (about 1.5 minutes for the whole demo's chats).
import { random } from './demo-util.mjs';

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
	// Each conversation's course is drawn first (the same demo for the same seed), then they run side
	// by side with real pauses: an agent answers seconds to a minute after the shopper wrote and
	// resolves some later, so the service metrics show real response and resolution times (they showed
	// 0 s when every reply came in the same millisecond as the question).
	const plans = Array.from({ length: count }, (_, i) => {
		const [topic, asks] = pick(TOPICS);
		const plan = {
			i,
			topic,
			asks,
			name: pick(VISITORS),
			locale: rnd() < 0.85 ? 'zh-CN' : 'en',
			ask: pick(asks),
			hurry: rnd() < 0.4,
			queued: rnd() < 0.2,
			reply: pick(REPLIES[topic]),
			note: rnd() < 0.3,
			startAfter: rnd() * 20,
			replyAfter: 3 + rnd() * 50,
			resolveAfter: 5 + rnd() * 40,
			caseOpen: (topic === 'complaint' || topic === 'order_problem') && rnd() < 0.6,
			casePriority: topic === 'complaint' ? pick(['high', 'urgent']) : pick(['normal', 'high']),
			caseResolved: rnd() < 0.5,
			end: rnd(),
			rated: rnd() < 0.7,
			rating: rnd() < 0.75 ? pick([4, 5, 5]) : pick([1, 2, 3]),
			reopen: rnd() < 0.3
		};
		return plan;
	});
	const sleep = (seconds) => new Promise((r) => setTimeout(r, seconds * 1000));
	await Promise.all(
		plans.map(async (p) => {
			await sleep(p.startAfter);
			const s = await send('POST', '/api/crm/chat/session', { name: p.name, locale: p.locale });
			const conv = await send('POST', '/api/collections/conversations/records', { visitor: s.visitor.id, topic: p.topic }, s.token);
			tally.conversations++;
			await say(conv.id, p.ask, s.token);
			if (p.hurry) await say(conv.id, '麻烦尽快回复，谢谢', s.token);
			if (p.queued) {
				tally.waiting++;
				return; // left in the queue
			}
			const agent = staff[p.i % staff.length];
			const patch = (body, token = agent.token) => send('PATCH', `/api/collections/conversations/records/${conv.id}`, body, token);
			await sleep(p.replyAfter);
			await patch({ assignee: agent.id });
			await say(conv.id, p.reply, agent.token);
			if (p.note) await say(conv.id, '老客户，优先处理', agent.token, { internal: true });
			await patch({ tags: p.topic === 'complaint' ? ['投诉', '加急'] : [p.topic === 'pre_sale' ? '售前' : '售后'] });
			if (p.caseOpen) {
				const c = await send(
					'POST',
					'/api/collections/cases/records',
					{
						conversation: conv.id,
						assignee: agent.id,
						kind: p.topic === 'complaint' ? 'complaint' : 'inquiry',
						category: p.topic === 'complaint' ? '商品破损' : '物流',
						priority: p.casePriority,
						status: 'open',
						summary: p.ask
					},
					agent.token
				);
				tally.cases++;
				if (p.caseResolved) await send('PATCH', `/api/collections/cases/records/${c.id}`, { status: 'resolved' }, agent.token);
			}
			if (p.end < 0.55) {
				await sleep(p.resolveAfter);
				await patch({ status: 'resolved' });
				tally.resolved++;
				if (p.rated) {
					await send('PATCH', `/api/collections/conversations/records/${conv.id}`, { rating: p.rating, rating_comment: p.rating >= 4 ? '回复很快，谢谢！' : '处理太慢了' }, s.token);
					tally.rated++;
				} else if (p.reopen) {
					await say(conv.id, '还有一个问题想问', s.token); // reopens it
					tally.resolved--;
				}
			} else if (p.end < 0.75) await patch({ status: 'pending' });
		})
	);
	return tally;
}
