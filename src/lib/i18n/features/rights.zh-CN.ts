// 客户个人信息权利（管理员）的中文文案；由该区块注册。
import type { rightsEn } from './rights.en';

export const rightsZhCN: Record<keyof typeof rightsEn, string> = {
	'rights.title': '个人信息（个保法）',
	'rights.intro': '应本人请求：导出我们保存的关于其的全部信息，或全部删除。两者都会记入审计日志。',
	'rights.export_json': '导出全部数据（JSON）',
	'rights.export_csv': '导出全部数据（CSV）',
	'rights.exported': '已下载 {file}。',
	'rights.erase': '删除此人的数据…',
	'rights.erase_warning': '将删除其姓名、电话、邮箱、地址、备注、字段历史、聊天消息和图片、拜访文字及店铺关联，包括所有设备上的副本，且无法撤销。订单、拜访和统计数字会保留，但不再关联到本人。',
	'rights.confirm_label': '输入客户姓名以确认：{name}',
	'rights.confirm_mismatch': '姓名不一致，请按显示的内容准确输入。',
	'rights.erase_now': '永久删除',
	'rights.cancel': '取消',
	'rights.erased': '此人的数据已删除。各设备会在下次同步时移除。',
	'rights.erased_already': '此客户的个人信息已应本人请求删除。',
	'rights.offline': '此操作需要连接服务器：在服务器上执行并记录。',
	'rights.failed': '操作失败（错误 {status}）。没有任何更改，请重试。'
};
