// 员工页面（管理员）的中文文案；由该页面注册。
import type { staffEn } from './staff.en';

export const staffZhCN: Record<keyof typeof staffEn, string> = {
	'staff.active': '在职',
	'staff.deactivated': '已停用',
	'staff.deactivated_on': '停用于 {when}',
	'staff.edit': '管理 {name}',
	'staff.close': '关闭',
	'staff.details': '角色和团队',
	'staff.save': '保存',
	'staff.saved': '已保存。',
	'staff.reset_password': '设置新密码',
	'staff.reset_hint': '用于忘记密码的同事。对方的设备下次联网时会要求输入新密码。',
	'staff.new_password': '新密码',
	'staff.password_set': '已为 {name} 设置新密码。请当面或电话告知，不要用邮件发送。',
	'staff.password_short': '密码至少需要 8 个字符。',
	'staff.deactivate': '停用账号',
	'staff.sign_out_everywhere': '登出所有设备',
	'staff.sign_out_everywhere_hint': '用于丢失或转交他人的手机：{name} 会立即在所有设备上退出登录，每台设备会在下次联网时删除其上的数据。{name} 可用密码重新登录。',
	'staff.signed_out_everywhere': '{name} 已在所有设备上退出登录。',
	'staff.deactivate_hint': '用于已离职的员工。对方会立即在所有设备上退出登录；手机和平板下次联网时会删除设备上的客户数据。对方记录的内容都会保留。',
	'staff.hand_over': '将其 {n} 位客户交给',
	'staff.hand_over_none': '暂不分配（由经理稍后分配）',
	'staff.deactivate_confirm': '确定停用 {name}？对方将无法再登录。',
	'staff.deactivated_done': '已停用 {name}。已移交 {moved} 位客户，{requeued} 个未结会话回到排队。',
	'staff.reactivate': '重新启用账号',
	'staff.reactivate_hint': '对方用密码重新登录即可；停用前的登录不会恢复。',
	'staff.reactivated_done': '{name} 可以重新登录了。',
	'staff.self': '这是您自己的账号：请由另一位管理员管理。',
	'staff.failed': '操作失败：{reason}',
	'staff.customers': '{n} 位客户'
};
