// Predicted customer value as the server gives it (server/clv.go): the model's fit for the shop and
// one customer's figures. The figures are the server's; the screens only format them.

export type ModelStatus = 'never' | 'too_few' | 'ready';

export interface CustomerPrediction {
	status: ModelStatus;
	fitted_at: string;
	learned_from: number;
	prediction: {
		repeat_purchases: number;
		p_alive: number;
		expected_30: number;
		expected_90: number;
		expected_365: number;
		spend: number;
		value_12m: number;
		lifetime: number;
		churn_risk: boolean;
	} | null;
}

export interface ShopPrediction {
	status: ModelStatus;
	fitted_at: string;
	customers: number;
	repeat_buyers: number;
	annual_discount: number;
	as_of: string;
	min_customers: number;
	min_repeat_buyers: number;
	params?: {
		bgnbd: { R: number; Alpha: number; A: number; B: number };
		gamma_gamma: { P: number; Q: number; Gamma: number };
		spend_model: 'gamma_gamma' | 'mean';
		mean_spend: number;
	};
	totals?: { customers: number; value_12m: number; lifetime: number; expected_90: number; churn_risk: number; expected_active: number };
	at_risk: { customer: string; name: string; p_alive: number; total_spend: number; value_12m: number; repeat_purchases: number }[];
	by_rfm: { segment: string; customers: number; value_12m: number; churn_risk: number; mean_p_alive: number }[];
}
