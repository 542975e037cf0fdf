import { describe, expect, it } from 'vitest';
import { pooled } from '$lib/shared/effect';
import { campaignEffect, channelKey, offerKey, poolBy, type ComparedCampaign } from './campaign-effect';

const g = (recipients: number, converted: number, sum = converted * 100) => ({ recipients, converted, orders: converted, revenue: { n: recipients, sum, sumSq: converted * 100 * 100 } });
const c = (id: string, channels: string[], offer: string, t: [number, number], h: [number, number], cost = 0): ComparedCampaign => ({
	id,
	name: id,
	kind: 'broadcast',
	state: 'completed',
	started_at: '2026-11-01T00:00:00Z',
	channels,
	offer,
	cost,
	groups: { treated: g(...t), holdout: g(...h) }
});

describe('the strategy views', () => {
	const list = [
		c('a', ['sms', 'email'], 'fixed', [900, 45], [100, 3], 50),
		c('b', ['email', 'sms'], 'none', [400, 12], [100, 2], 20),
		c('c', ['onsite'], 'fixed', [2000, 80], [500, 15]),
		c('d', ['onsite'], 'percent', [300, 9], [0, 0])
	];

	it('pools campaigns by their channels (in any order) and by offer, each against its own holdout', () => {
		const byChannel = poolBy(list, channelKey, 0.3);
		expect(byChannel.map((r) => [r.key, r.count, r.effect.campaigns, r.effect.treated])).toEqual([
			['onsite', 2, 1, 2000],
			['email+sms', 2, 2, 1300]
		]);
		const emailSms = byChannel[1].effect;
		expect(emailSms).toEqual(
			pooled(
				[
					{ treated: list[0].groups.treated, holdout: list[0].groups.holdout, cost: 50 },
					{ treated: list[1].groups.treated, holdout: list[1].groups.holdout, cost: 20 }
				],
				0.3
			)
		);
		// extra buyers: 900 × (5 % − 3 %) + 400 × (3 % − 2 %) = 18 + 4
		expect(emailSms.incrementalConversions.estimate).toBeCloseTo(22, 9);
		const byOffer = poolBy(list, offerKey, 0.3);
		expect(byOffer.map((r) => [r.key, r.count])).toEqual([
			['fixed', 2],
			['none', 1],
			['percent', 1]
		]);
		expect(byOffer.find((r) => r.key === 'percent')!.effect.campaigns).toBe(0);
	});

	it('one campaign without a holdout has no effect to show', () => {
		expect(campaignEffect(list[3], 0.3)).toBeNull();
		expect(campaignEffect(list[2], 0.3)!.conversion.uplift.estimate).toBeCloseTo(0.04 - 0.03, 12);
	});
});
