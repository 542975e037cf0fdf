import type { labelsEn } from './labels.en';

// Chinese messages of the managed tags and categories (every key of ./labels.en.ts); merged by ../zh-CN.ts.
export const labelsZhCN: Record<keyof typeof labelsEn, string> = {
	'labels.title': '标签与分类',
	'labels.intro': '在客户表单中作为建议提供，员工仍可输入其他内容。重命名或移除只影响建议，客户已有的标签和分类保持不变。',
	'labels.add_title': '添加标签或分类',
	'labels.kind': '类型',
	'labels.kind.tag': '标签',
	'labels.kind.category': '分类',
	'labels.name': '名称',
	'labels.color': '颜色',
	'labels.add': '添加',
	'labels.added': '已在本设备添加“{name}”。',
	'labels.saved': '已保存在本设备。',
	'labels.removed': '已移除“{name}”。',
	'labels.tags': '标签',
	'labels.categories': '分类',
	'labels.empty_tags': '还没有标签。添加团队常用的标签，例如“高价值”。',
	'labels.empty_categories': '还没有分类。添加一个，例如“企业客户”。',
	'labels.color_of': '“{name}”的颜色',
	'labels.rename': '重命名',
	'labels.rename_of': '重命名“{name}”',
	'labels.new_name': '“{name}”的新名称',
	'labels.save': '保存',
	'labels.cancel': '取消',
	'labels.remove': '移除',
	'labels.remove_of': '移除“{name}”',
	'labels.remove_confirm': '移除“{name}”？之后不再作为建议提供，客户已有的保持不变。',
	'labels.err.not_unique': '已有同名的项目。',
	'labels.err.invalid_separator': '名称不能包含逗号或分号。',
	'labels.err.invalid_color': '请选择颜色，例如 #0f766e。'
};
