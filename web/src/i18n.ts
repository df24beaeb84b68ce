import { ref, watch } from 'vue';
import { Locale } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';

/** Chinese first: most owners read Chinese; English is a switch in the header. */
export type Lang = 'zh' | 'en';
const STORAGE_KEY = 'linli.lang';

const zh = {
  'app.name': '邻里',
  'app.tagline': '小区议事与表决',
  'common.back': '返回',
  'common.loading': '正在加载…',
  'common.retry': '重试',
  'common.home': '回到我的家',
  'common.networkError': '无法连接服务器，请检查网络后重试',
  'common.unknownError': '出了点问题，请稍后再试',
  'common.requestId': '问题编号',
  'common.signOut': '退出登录',
  'common.signOutConfirm': '确定要退出登录吗？',
  'common.cancel': '取消',
  'common.yes': '确定',
  'common.sqm': '平方米',
  'common.people': '{n} 人',
  'common.none': '无',
  'lang.switchTo': 'Switch to English',

  'signIn.title': '登录',
  'signIn.welcome': '欢迎使用「邻里」',
  'signIn.lead': '请用通知书上的邀请码登录，或用登记过的手机号接收验证码。',
  'signIn.tabCode': '邀请码',
  'signIn.tabPhone': '手机验证码',
  'signIn.codeLabel': '邀请码',
  'signIn.codePlaceholder': '例如 K7QXM-2PD9R',
  'signIn.codeHint': '邀请码在纸质通知书上，共 10 位字母和数字，大小写都可以。',
  'signIn.codeTooShort': '请输入完整的 10 位邀请码',
  'signIn.submit': '登录',
  'signIn.phoneLabel': '手机号',
  'signIn.phonePlaceholder': '11 位手机号',
  'signIn.phoneInvalid': '请输入 11 位手机号码',
  'signIn.otpLabel': '验证码',
  'signIn.otpPlaceholder': '6 位数字',
  'signIn.otpInvalid': '请输入短信里的 6 位数字验证码',
  'signIn.send': '获取验证码',
  'signIn.resend': '{n} 秒后可重发',
  'signIn.sent': '验证码已发送，请查看短信',
  'signIn.invalidCodeHint': '请核对通知书上的邀请码；如已用过或过期，请联系业委会或居委会重新领取。',
  'signIn.joinFailed': '二维码登录没有成功',
  'signIn.signingIn': '正在登录…',

  'home.title': '我的家',
  'home.greeting': '{name}，您好',
  'home.myParts': '我的房屋',
  'home.noParts': '还没有关联到您名下的房屋。如有疑问，请联系业委会或居委会。',
  'home.houseNumber': '房号',
  'home.building': '{b} 栋',
  'home.entrance': '{e} 单元',
  'home.floor': '{f} 层',
  'home.area': '面积',
  'home.kind': '类型',
  'home.status': '状态',
  'home.coOwners': '共有人：',
  'home.soleOwner': '本人单独所有',
  'home.coOwnerCount': '共 {n} 位业主共有',
  'home.myRoles': '我的身份',
  'home.adminEstates': '平台管理：全部小区',
  'home.noEstates': '暂无小区',
  'home.tools': '管理工具',

  'nav.import': '导入业主登记表',
  'nav.buildings': '楼栋概况',
  'nav.parts': '登记表明细',
  'nav.invites': '邀请码',

  'role.organizer': '组织者（业委会/筹备组）',
  'role.clerk': '计票录入员',
  'role.chair': '理事会主持人',
  'role.council_member': '议事代表',
  'role.auditor': '监票人',
  'role.owner': '业主',
  'role.resident': '居民',

  'kind.residential': '住宅',
  'kind.commercial': '商铺',
  'kind.parking': '车位',
  'kind.storage': '储藏室',

  'status.registered': '已登记',
  'status.delivered': '已交付',
  'status.sold_undelivered': '已售未交付',
  'status.unsold': '未售出',

  'source.register': '不动产登记',
  'source.survey': '测绘面积',
  'source.contract': '合同面积',

  'import.title': '导入业主登记表',
  'import.lead': '选择 CSV 或 Excel（.xlsx）文件，先检查，再导入。检查时不会保存任何内容。',
  'import.template': '下载 CSV 模板',
  'import.choose': '选择文件',
  'import.chosen': '已选择：{name}',
  'import.noFile': '还没有选择文件',
  'import.check': '检查文件',
  'import.import': '确认导入',
  'import.uploading': '正在上传 {p}%',
  'import.processing': '正在处理…',
  'import.checkOk': '检查通过，可以导入',
  'import.done': '导入完成',
  'import.summary': '内容概要',
  'import.rows': '数据行',
  'import.parts': '专有部分',
  'import.persons': '文件中的业主（人）',
  'import.buildings': '楼栋',
  'import.entrances': '单元',
  'import.parties': '导入后全小区业主人数',
  'import.area': '导入后全小区总面积',
  'import.developerParts': '导入后建设单位名下',
  'import.errorsTitle': '文件有 {n} 处错误，未保存任何内容。请修改后重新检查。',
  'import.errorsMany': '200+',
  'import.line': '行',
  'import.column': '列',
  'import.message': '问题',
  'import.toBuildings': '查看楼栋概况',
  'import.confirm': '这些房屋将加入本小区的登记表（已有的房号不能重复导入），确定导入吗？',
  'import.wrongType': '请选择 .csv 或 .xlsx 文件',

  'buildings.title': '楼栋概况',
  'buildings.totals': '全小区合计',
  'buildings.parts': '专有部分',
  'buildings.area': '总面积',
  'buildings.parties': '业主人数',
  'buildings.developerParts': '建设单位名下',
  'buildings.entrances': '单元',
  'buildings.areaBars': '各楼栋面积',
  'buildings.viewParts': '查看登记表明细',
  'buildings.empty': '还没有导入登记表',
  'buildings.building': '{b} 栋',
  'buildings.count': '{n} 套',

  'parts.title': '登记表明细',
  'parts.all': '全部楼栋',
  'parts.search': '搜索房号',
  'parts.searchButton': '搜索',
  'parts.total': '共 {n} 条',
  'parts.empty': '没有符合条件的记录',
  'parts.owners': '业主 {n} 人',
  'parts.prev': '上一页',
  'parts.next': '下一页',

  'invites.title': '邀请码',
  'invites.create': '新建邀请码',
  'invites.role': '身份',
  'invites.personRef': '登记表业主编号',
  'invites.personRefPlaceholder': '登记表 owners 列中的编号',
  'invites.personRefRequired': '业主邀请码需要填写登记表中的业主编号',
  'invites.label': '邀请对象（备注）',
  'invites.labelPlaceholder': '例如 3 栋楼栋长 王阿姨',
  'invites.labelRequired': '请填写邀请对象',
  'invites.validDays': '有效天数',
  'invites.submit': '生成邀请码',
  'invites.created': '邀请码已生成（只显示这一次，请打印或抄下）',
  'invites.scan': '用手机扫码登录',
  'invites.expires': '有效期至 {d}',
  'invites.print': '打印',
  'invites.list': '已发出的邀请码',
  'invites.used': '已使用',
  'invites.unused': '未使用',
  'invites.expired': '已过期',
  'invites.empty': '还没有邀请码',
  'invites.for': '给：{label}',

  'notFound.title': '找不到这个页面',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.name': 'linli',
  'app.tagline': 'Neighbourhood deliberation and voting',
  'common.back': 'Back',
  'common.loading': 'Loading…',
  'common.retry': 'Try again',
  'common.home': 'Back to my home',
  'common.networkError': 'Cannot reach the server. Check your connection and try again.',
  'common.unknownError': 'Something went wrong. Please try again later.',
  'common.requestId': 'Reference',
  'common.signOut': 'Sign out',
  'common.signOutConfirm': 'Sign out now?',
  'common.cancel': 'Cancel',
  'common.yes': 'OK',
  'common.sqm': 'm²',
  'common.people': '{n}',
  'common.none': 'none',
  'lang.switchTo': '切换到中文',

  'signIn.title': 'Sign in',
  'signIn.welcome': 'Welcome to linli',
  'signIn.lead': 'Sign in with the invite code from your notice letter, or get a one-time code on your registered phone.',
  'signIn.tabCode': 'Invite code',
  'signIn.tabPhone': 'Phone code',
  'signIn.codeLabel': 'Invite code',
  'signIn.codePlaceholder': 'e.g. K7QXM-2PD9R',
  'signIn.codeHint': 'The code is on your paper notice: 10 letters and digits, any case.',
  'signIn.codeTooShort': 'Please enter all 10 characters of the code',
  'signIn.submit': 'Sign in',
  'signIn.phoneLabel': 'Phone',
  'signIn.phonePlaceholder': '11-digit mobile number',
  'signIn.phoneInvalid': 'Please enter an 11-digit mobile number',
  'signIn.otpLabel': 'Code',
  'signIn.otpPlaceholder': '6 digits',
  'signIn.otpInvalid': 'Please enter the 6-digit code from the text message',
  'signIn.send': 'Send code',
  'signIn.resend': 'Resend in {n}s',
  'signIn.sent': 'Code sent. Please check your messages.',
  'signIn.invalidCodeHint': 'Check the code on your notice letter. If it was used or has expired, ask the owners\' committee or residents\' committee for a new one.',
  'signIn.joinFailed': 'Signing in from the QR code did not work',
  'signIn.signingIn': 'Signing in…',

  'home.title': 'My home',
  'home.greeting': 'Hello, {name}',
  'home.myParts': 'My homes',
  'home.noParts': 'No home is linked to you yet. Please ask the owners\' committee or residents\' committee.',
  'home.houseNumber': 'House no.',
  'home.building': 'Building {b}',
  'home.entrance': 'Entrance {e}',
  'home.floor': 'Floor {f}',
  'home.area': 'Area',
  'home.kind': 'Kind',
  'home.status': 'Status',
  'home.coOwners': 'Owners: ',
  'home.soleOwner': 'Sole owner',
  'home.coOwnerCount': 'Shared by {n} owners',
  'home.myRoles': 'My roles',
  'home.adminEstates': 'Platform admin: all estates',
  'home.noEstates': 'No estates yet',
  'home.tools': 'Tools',

  'nav.import': 'Import owner register',
  'nav.buildings': 'Buildings overview',
  'nav.parts': 'Register list',
  'nav.invites': 'Invite codes',

  'role.organizer': 'Organizer (owners\' committee)',
  'role.clerk': 'Clerk',
  'role.chair': 'Council chair',
  'role.council_member': 'Council member',
  'role.auditor': 'Auditor',
  'role.owner': 'Owner',
  'role.resident': 'Resident',

  'kind.residential': 'Residential',
  'kind.commercial': 'Shop',
  'kind.parking': 'Parking space',
  'kind.storage': 'Storage room',

  'status.registered': 'Registered',
  'status.delivered': 'Delivered',
  'status.sold_undelivered': 'Sold, not delivered',
  'status.unsold': 'Unsold',

  'source.register': 'Property register',
  'source.survey': 'Survey',
  'source.contract': 'Contract',

  'import.title': 'Import owner register',
  'import.lead': 'Choose a CSV or Excel (.xlsx) file, check it, then import. Checking saves nothing.',
  'import.template': 'Download CSV template',
  'import.choose': 'Choose file',
  'import.chosen': 'Chosen: {name}',
  'import.noFile': 'No file chosen yet',
  'import.check': 'Check file',
  'import.import': 'Import now',
  'import.uploading': 'Uploading {p}%',
  'import.processing': 'Processing…',
  'import.checkOk': 'The file is fine and can be imported',
  'import.done': 'Imported',
  'import.summary': 'Summary',
  'import.rows': 'Rows',
  'import.parts': 'Parts',
  'import.persons': 'Owners in the file (persons)',
  'import.buildings': 'Buildings',
  'import.entrances': 'Entrances',
  'import.parties': 'Owner parties in the estate after import',
  'import.area': 'Estate total area after import',
  'import.developerParts': 'Developer\'s parts after import',
  'import.errorsTitle': 'The file has {n} errors; nothing was saved. Fix them and check again.',
  'import.errorsMany': '200+',
  'import.line': 'Line',
  'import.column': 'Column',
  'import.message': 'Problem',
  'import.toBuildings': 'See buildings overview',
  'import.confirm': 'These parts will be added to the estate\'s register (house numbers already there cannot be imported again). Import now?',
  'import.wrongType': 'Please choose a .csv or .xlsx file',

  'buildings.title': 'Buildings overview',
  'buildings.totals': 'Estate totals',
  'buildings.parts': 'Parts',
  'buildings.area': 'Total area',
  'buildings.parties': 'Owner parties',
  'buildings.developerParts': 'Developer\'s parts',
  'buildings.entrances': 'Entrances',
  'buildings.areaBars': 'Area per building',
  'buildings.viewParts': 'Open the register list',
  'buildings.empty': 'No register imported yet',
  'buildings.building': 'Building {b}',
  'buildings.count': '{n} parts',

  'parts.title': 'Register list',
  'parts.all': 'All buildings',
  'parts.search': 'Search house number',
  'parts.searchButton': 'Search',
  'parts.total': '{n} in total',
  'parts.empty': 'Nothing matches',
  'parts.owners': '{n} owner(s)',
  'parts.prev': 'Previous',
  'parts.next': 'Next',

  'invites.title': 'Invite codes',
  'invites.create': 'New invite',
  'invites.role': 'Role',
  'invites.personRef': 'Owner id in the register',
  'invites.personRefPlaceholder': 'an id from the register\'s owners column',
  'invites.personRefRequired': 'An owner invite needs the owner\'s id from the register',
  'invites.label': 'For whom (note)',
  'invites.labelPlaceholder': 'e.g. Mrs Wang, head of building 3',
  'invites.labelRequired': 'Please say who the invite is for',
  'invites.validDays': 'Valid for (days)',
  'invites.submit': 'Create invite',
  'invites.created': 'Invite created (shown only now: print it or write it down)',
  'invites.scan': 'Scan with a phone to sign in',
  'invites.expires': 'Valid until {d}',
  'invites.print': 'Print',
  'invites.list': 'Invites sent',
  'invites.used': 'Used',
  'invites.unused': 'Not used',
  'invites.expired': 'Expired',
  'invites.empty': 'No invites yet',
  'invites.for': 'For: {label}',

  'notFound.title': 'Page not found',
};

const DICTS: Record<Lang, Record<MessageKey, string>> = { zh, en };

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    /* storage may be blocked; fall back to Chinese */
  }
  return 'zh';
}

export const lang = ref<Lang>(initialLang());

function apply(l: Lang) {
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  if (l === 'zh') Locale.use('zh-CN', zhCN);
  else Locale.use('en-US', enUS);
}
apply(lang.value);
watch(lang, (l) => {
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* ignore */
  }
  apply(l);
});

export function setLang(l: Lang) {
  lang.value = l;
}

/** Looks up a message in the current language and fills `{name}` placeholders. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = DICTS[lang.value][key] ?? zh[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Label for a value from a closed vocabulary (kind, status, role…); unknown values are shown as they are. */
export function label(prefix: 'kind' | 'status' | 'role' | 'source', value: string): string {
  const key = `${prefix}.${value}` as MessageKey;
  return key in zh ? t(key) : value;
}

/** Dates in the reader's language, e.g. 2025年7月1日 / 1 Jul 2025. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(lang.value === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric' });
}
