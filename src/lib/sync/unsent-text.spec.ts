import { describe, expect, it } from 'vitest';
import { unsentAsText } from './unsent-text';

describe('unsent changes as text', () => {
	it('names each record and its state, then its filled fields; system fields and empty ones left out', () => {
		const text = unsentAsText(
			[
				{
					collection: 'customers',
					id: 'c1',
					state: 'refused',
					reason: '您没有权限进行此更改。',
					doc: {
						id: 'c1',
						name: '被经理转走',
						notes: '离线时写下\n第二行',
						phones: ['+8613912345678'],
						emails: [],
						owner: 'u2',
						seq: 9,
						addresses: [{ detail: '文三路 100 号' }],
						field_times: { notes: 1 }
					}
				},
				{ collection: 'service_records', id: 's1', state: 'pending', doc: { summary: '上门拜访', outcome: '下周下单' } },
				{ collection: 'customers', id: 'gone', state: 'pending', doc: null }
			],
			{
				title: '未上传的更改',
				kind: (c) => (c === 'customers' ? '客户' : '服务记录'),
				state: (i) => (i.state === 'refused' ? `被拒绝：${i.reason}` : '等待上传'),
				label: (f) => ({ notes: '备注', phones: '电话', addresses: '地址', outcome: '结果', emails: '邮箱' })[f] ?? ''
			}
		);
		expect(text).toBe(
			[
				'未上传的更改',
				'',
				'— 客户「被经理转走」 (被拒绝：您没有权限进行此更改。)',
				'  备注: 离线时写下',
				'    第二行',
				'  电话: +8613912345678',
				'  地址: 文三路 100 号',
				'— 服务记录「上门拜访」 (等待上传)',
				'  结果: 下周下单',
				'— 客户「gone」 (等待上传)',
				''
			].join('\n')
		);
	});
});
