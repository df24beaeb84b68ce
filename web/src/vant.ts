/**
 * Styles of the Vant components this client uses, imported one by one (pages import the
 * components themselves from 'vant'; tree-shaking drops the rest).
 *
 * Vant's own `style/index` entries are not used on purpose: they pull in icon/index.css, which
 * embeds the icon font as a data: URL that the server's CSP (font-src falls back to 'self')
 * refuses, and adds 45 kB. This client uses no Vant icons (no Radio, Search, Cell arrows).
 */
import 'vant/es/style/base.css';
import 'vant/es/loading/index.css';
import 'vant/es/button/index.css';
import 'vant/es/cell/index.css';
import 'vant/es/field/index.css';
import 'vant/es/sticky/index.css';
import 'vant/es/swipe/index.css';
import 'vant/es/swipe-item/index.css';
import 'vant/es/tabs/index.css';
import 'vant/es/tab/index.css';
import 'vant/es/tag/index.css';
import 'vant/es/empty/index.css';
import 'vant/es/progress/index.css';
import 'vant/es/overlay/index.css';
import 'vant/es/popup/index.css';
import 'vant/es/dialog/index.css';
