/*
 * An independent verifier of linli ballot-ledger exports, written from docs/ledger.md alone
 * (section numbers below refer to it). JDK 17, standard library only.
 *
 *   java test/independent/Verifier.java DIR [--openings FILE] [--receipt FILE]
 *
 * Prints one line per step (V0 … V13): "V1 ok", "V4 FAIL seq 17", "V11 skip …", with the
 * problems indented below a failing step, then the recount, the issuer report (§12.1) and the
 * result line of §12. Exit 0 when every step passes,
 * 1 when one fails, 2 when it cannot run (bad usage, missing folder).
 */

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Verifier {

    // =========================================================================================
    // Steps and report

    static final String[] STEP_IDS = {"V0", "V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "V12", "V13"};

    static final class Step {
        final String id;
        boolean ok = true;
        boolean skipped = false;
        final List<String> details = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final TreeSet<Long> seqs = new TreeSet<>();

        Step(String id) { this.id = id; }

        void fail(String detail, long... failing) {
            ok = false;
            details.add(detail);
            for (long s : failing) seqs.add(s);
        }

        void failRange(String detail, long from, long to) {
            ok = false;
            details.add(detail);
            for (long s = from; s < to; s++) seqs.add(s);
        }

        void note(String n) { notes.add(n); }

        /** Could not check: fails unless the step does not apply. */
        void skip(String reason, boolean passes) {
            skipped = true;
            if (!passes) ok = false;
            notes.add(reason);
        }
    }

    final Map<String, Step> s = new LinkedHashMap<>();

    Verifier() {
        for (String id : STEP_IDS) s.put(id, new Step(id));
    }

    // =========================================================================================
    // Bytes, UTF-8, base64, SHA-256 (§1)

    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) md.update(p);
            return md.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final byte[] EMPTY_ROOT = sha256();

    static String b64(byte[] b) { return Base64.getEncoder().encodeToString(b); }

    static final Pattern B64 = Pattern.compile("^[A-Za-z0-9+/]*={0,2}$");

    /** Strict standard base64: padded, canonical; null otherwise (§1). */
    static byte[] unb64(String t) {
        if (t == null || t.length() % 4 != 0 || !B64.matcher(t).matches()) return null;
        byte[] out;
        try {
            out = Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return b64(out).equals(t) ? out : null;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    // =========================================================================================
    // JSON (RFC 8259) and canonical JSON (§3)

    static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };

    static final class JsonError extends Exception {
        JsonError(String m) { super(m); }
    }

    static final class Parser {
        final String t;
        int i = 0;

        Parser(String t) { this.t = t; }

        static Object parse(String text) throws JsonError {
            Parser p = new Parser(text);
            p.ws();
            Object v = p.value();
            p.ws();
            if (p.i != text.length()) throw new JsonError("trailing characters");
            return v;
        }

        void ws() {
            while (i < t.length()) {
                char c = t.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        Object value() throws JsonError {
            if (i >= t.length()) throw new JsonError("unexpected end");
            char c = t.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return lit("true", Boolean.TRUE);
                case 'f': return lit("false", Boolean.FALSE);
                case 'n': return lit("null", NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw new JsonError("unexpected character");
            }
        }

        Object lit(String word, Object v) throws JsonError {
            if (!t.startsWith(word, i)) throw new JsonError("bad literal");
            i += word.length();
            return v;
        }

        Map<String, Object> object() throws JsonError {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < t.length() && t.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (i >= t.length() || t.charAt(i) != '"') throw new JsonError("expected key");
                String k = string();
                ws();
                if (i >= t.length() || t.charAt(i) != ':') throw new JsonError("expected :");
                i++;
                ws();
                Object v = value();
                m.remove(k); // a duplicate key keeps the last value (the text is not canonical then)
                m.put(k, v);
                ws();
                if (i >= t.length()) throw new JsonError("unterminated object");
                char c = t.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw new JsonError("expected , or }");
            }
        }

        List<Object> array() throws JsonError {
            List<Object> a = new ArrayList<>();
            i++;
            ws();
            if (i < t.length() && t.charAt(i) == ']') {
                i++;
                return a;
            }
            while (true) {
                ws();
                a.add(value());
                ws();
                if (i >= t.length()) throw new JsonError("unterminated array");
                char c = t.charAt(i++);
                if (c == ']') return a;
                if (c != ',') throw new JsonError("expected , or ]");
            }
        }

        String string() throws JsonError {
            i++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= t.length()) throw new JsonError("unterminated string");
                char c = t.charAt(i++);
                if (c == '"') return sb.toString();
                if (c < 0x20) throw new JsonError("control character in string");
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= t.length()) throw new JsonError("bad escape");
                char e = t.charAt(i++);
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u':
                        if (i + 4 > t.length()) throw new JsonError("bad \\u escape");
                        String h = t.substring(i, i + 4);
                        if (!h.matches("[0-9a-fA-F]{4}")) throw new JsonError("bad \\u escape");
                        sb.append((char) Integer.parseInt(h, 16));
                        i += 4;
                        break;
                    default: throw new JsonError("bad escape");
                }
            }
        }

        static final Pattern NUM = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

        Double number() throws JsonError {
            Matcher m = NUM.matcher(t);
            m.region(i, t.length());
            if (!m.lookingAt()) throw new JsonError("bad number");
            String n = m.group();
            i = m.end();
            return Double.parseDouble(n);
        }
    }

    static Object parseJson(String text) {
        if (text == null) return null;
        try {
            return Parser.parse(text);
        } catch (JsonError e) {
            return null;
        }
    }

    static final class CanonError extends Exception {
        CanonError(String m) { super(m); }
    }

    static String canonicalize(Object v) throws CanonError {
        StringBuilder sb = new StringBuilder();
        canon(v, sb);
        return sb.toString();
    }

    static void canon(Object v, StringBuilder sb) throws CanonError {
        if (v == NULL || v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double d) {
            sb.append(esNumber(d));
        } else if (v instanceof Long l) {
            sb.append(esNumber((double) l));
        } else if (v instanceof Integer n) {
            sb.append(esNumber((double) n));
        } else if (v instanceof String str) {
            canonString(str, sb);
        } else if (v instanceof List<?> a) {
            sb.append('[');
            for (int k = 0; k < a.size(); k++) {
                if (k > 0) sb.append(',');
                canon(a.get(k), sb);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            List<String> keys = new ArrayList<>();
            for (Object k : m.keySet()) keys.add((String) k);
            keys.sort(String::compareTo); // UTF-16 code unit order (§3 rule 2)
            sb.append('{');
            boolean first = true;
            for (String k : keys) {
                if (!first) sb.append(',');
                first = false;
                canonString(k, sb);
                sb.append(':');
                canon(m.get(k), sb);
            }
            sb.append('}');
        } else {
            throw new CanonError("cannot canonicalize " + v.getClass());
        }
    }

    static void canonString(String str, StringBuilder sb) throws CanonError {
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            if (Character.isHighSurrogate(c)) {
                if (k + 1 >= str.length() || !Character.isLowSurrogate(str.charAt(k + 1))) throw new CanonError("lone surrogate");
                k++;
            } else if (Character.isLowSurrogate(c)) {
                throw new CanonError("lone surrogate");
            }
        }
        sb.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\b': sb.append("\\b"); break;
                case '\t': sb.append("\\t"); break;
                case '\n': sb.append("\\n"); break;
                case '\f': sb.append("\\f"); break;
                case '\r': sb.append("\\r"); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        sb.append('"');
    }

    /** ECMAScript Number.prototype.toString for a finite double (§3 rule 4). */
    static String esNumber(double x) throws CanonError {
        if (Double.isNaN(x) || Double.isInfinite(x)) throw new CanonError("non-finite number");
        if (x == 0) return "0";
        if (x < 0) return "-" + esNumber(-x);
        // Shortest decimal that reads back as x.
        BigDecimal exact = new BigDecimal(x);
        BigDecimal best = null;
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(r.toString()) == x) {
                best = r;
                break;
            }
        }
        if (best == null) best = exact;
        best = best.stripTrailingZeros();
        String digits = best.unscaledValue().toString();
        int k = digits.length();
        int n = k - best.scale(); // x = 0.digits × 10^n
        if (k <= n && n <= 21) return digits + "0".repeat(n - k);
        if (0 < n && n <= 21) return digits.substring(0, n) + "." + digits.substring(n);
        if (-6 < n && n <= 0) return "0." + "0".repeat(-n) + digits;
        int e = n - 1;
        String exp = (e >= 0 ? "+" : "-") + Math.abs(e);
        if (k == 1) return digits + "e" + exp;
        return digits.charAt(0) + "." + digits.substring(1) + "e" + exp;
    }

    static boolean allNfc(Object v) {
        if (v instanceof String str) return Normalizer.isNormalized(str, Normalizer.Form.NFC);
        if (v instanceof List<?> a) {
            for (Object x : a) if (!allNfc(x)) return false;
            return true;
        }
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!allNfc(e.getKey()) || !allNfc(e.getValue())) return false;
            }
            return true;
        }
        return true;
    }

    /** The text is exactly the canonical JSON of the value it holds, all strings NFC (§3). */
    static boolean isCanonical(String text) {
        Object v = parseJson(text);
        if (v == null) return false;
        try {
            return canonicalize(v).equals(text) && allNfc(v);
        } catch (CanonError e) {
            return false;
        }
    }

    static String canonOrNull(Object v) {
        if (v == null) return "undefined";
        try {
            return canonicalize(v);
        } catch (CanonError e) {
            return "uncanonicalizable";
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object v) { return v instanceof Map ? (Map<String, Object>) v : null; }

    static boolean isStr(Object v) { return v instanceof String; }

    /** A JSON integer 0 ≤ n ≤ 2^53−1 (§1). */
    static boolean isCount(Object v) {
        if (!(v instanceof Double d)) return false;
        return d >= 0 && d <= 9007199254740991.0 && d == Math.floor(d);
    }

    static long count(Object v) { return (long) (double) (Double) v; }

    static String show(Object v) {
        if (v == null) return "undefined";
        if (v instanceof String str) return "\"" + str + "\"";
        return canonOrNull(v);
    }

    // =========================================================================================
    // Merkle tree (§5)

    static byte[] leafHash(byte[] entry) { return sha256(new byte[] {0}, entry); }

    static byte[] nodeHash(byte[] l, byte[] r) { return sha256(new byte[] {1}, l, r); }

    /** The largest power of two strictly smaller than n (n ≥ 2). */
    static long split(long n) {
        long k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }

    final List<byte[]> leaves = new ArrayList<>();
    final Map<String, byte[]> mthCache = new HashMap<>();

    byte[] mth(long lo, long hi) {
        if (hi - lo == 0) return EMPTY_ROOT;
        if (hi - lo == 1) return leaves.get((int) lo);
        String key = lo + ":" + hi;
        byte[] c = mthCache.get(key);
        if (c != null) return c;
        long k = split(hi - lo);
        byte[] h = nodeHash(mth(lo, lo + k), mth(lo + k, hi));
        mthCache.put(key, h);
        return h;
    }

    byte[] root(long size) { return mth(0, size); }

    /** RFC 6962 PATH(m, D[lo:hi]), leaf's sibling first (§5.1). */
    List<byte[]> inclusionPath(long m, long lo, long hi) {
        if (hi - lo <= 1) return new ArrayList<>();
        long k = split(hi - lo);
        List<byte[]> p;
        if (m < k) {
            p = inclusionPath(m, lo, lo + k);
            p.add(mth(lo + k, hi));
        } else {
            p = inclusionPath(m - k, lo + k, hi);
            p.add(mth(lo, lo + k));
        }
        return p;
    }

    /** RFC 6962 SUBPROOF(m, D[lo:hi], b) (§5.2). */
    List<byte[]> subproof(long m, long lo, long hi, boolean b) {
        long n = hi - lo;
        if (m == n) {
            List<byte[]> p = new ArrayList<>();
            if (!b) p.add(mth(lo, hi));
            return p;
        }
        long k = split(n);
        List<byte[]> p;
        if (m <= k) {
            p = subproof(m, lo, lo + k, b);
            p.add(mth(lo + k, hi));
        } else {
            p = subproof(m - k, lo + k, hi, false);
            p.add(mth(lo, lo + k));
        }
        return p;
    }

    List<byte[]> consistencyProof(long size1, long size2) {
        if (size1 == 0 || size1 == size2) return new ArrayList<>();
        return subproof(size1, 0, size2, true);
    }

    static boolean isHash(byte[] h) { return h != null && h.length == 32; }

    /** RFC 9162 §2.1.3.2 (§5.1). */
    static boolean verifyInclusion(long index, long size, byte[] leaf, List<byte[]> proof, byte[] root) {
        if (index < 0 || size < 0 || index >= size) return false;
        if (!isHash(leaf) || !isHash(root) || proof.size() > 64) return false;
        for (byte[] p : proof) if (!isHash(p)) return false;
        long fn = index, sn = size - 1;
        byte[] r = leaf;
        for (byte[] p : proof) {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /** RFC 9162 §2.1.4.2 with the edge cases of §5.2. */
    static boolean verifyConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) {
        if (size1 < 0 || size2 < 0 || size1 > size2 || root1 == null || root2 == null) return false;
        if (size1 == size2) {
            if (!proof.isEmpty() || !Arrays.equals(root1, root2)) return false;
            return size1 != 0 || Arrays.equals(root1, EMPTY_ROOT);
        }
        if (size1 == 0) return proof.isEmpty() && Arrays.equals(root1, EMPTY_ROOT) && isHash(root2);
        if (!isHash(root1) || !isHash(root2) || proof.isEmpty() || proof.size() > 64) return false;
        for (byte[] p : proof) if (!isHash(p)) return false;
        List<byte[]> path = new ArrayList<>();
        if ((size1 & (size1 - 1)) == 0) path.add(root1);
        path.addAll(proof);
        long fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0), sr = path.get(0);
        for (int k = 1; k < path.size(); k++) {
            byte[] c = path.get(k);
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(fr, root1) && Arrays.equals(sr, root2);
    }

    // =========================================================================================
    // Signed notes, checkpoints, keys (§6)

    static final String DASH = "\u2014 ";

    record Sig(String name, String keyIdHex, byte[] sig) {}

    record Note(String text, List<Sig> sigs) {}

    record Result<T>(T value, String error) {
        static <T> Result<T> ok(T v) { return new Result<>(v, null); }
        static <T> Result<T> err(String e) { return new Result<>(null, e); }
        boolean isOk() { return error == null; }
    }

    static final String JS_SPACES = "\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

    static boolean isSpace(int cp) { return cp < 0x10000 && JS_SPACES.indexOf(cp) >= 0; }

    /** Key names: non-empty, no white space, no '+', no control character (§6.2). */
    static String keyNameProblem(String name) {
        if (name.isEmpty()) return "key name is empty";
        for (int k = 0; k < name.length(); ) {
            int cp = name.codePointAt(k);
            if (Character.isSurrogate((char) cp)) return "key name is not valid Unicode";
            if (isSpace(cp) || cp == '+' || Character.getType(cp) == Character.CONTROL) {
                return "key name \"" + name + "\" contains a space, \"+\" or a control character";
            }
            k += Character.charCount(cp);
        }
        return null;
    }

    static Result<Note> parseNote(String note) {
        for (int k = 0; k < note.length(); k++) {
            char c = note.charAt(k);
            if (c < 0x20 && c != '\n') return Result.err("note contains a control character (other than newline)");
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0) return Result.err("note has no blank line before its signatures");
        String text = note.substring(0, split + 1);
        String block = note.substring(split + 2);
        if (text.equals("\n")) return Result.err("note text is empty");
        if (block.isEmpty()) return Result.err("note has no signature");
        if (!block.endsWith("\n")) return Result.err("note must end with a newline");
        String[] lines = block.substring(0, block.length() - 1).split("\n", -1);
        if (lines.length > 100) return Result.err("note has more than 100 signatures");
        List<Sig> sigs = new ArrayList<>();
        for (int k = 0; k < lines.length; k++) {
            String where = "signature line " + (k + 1);
            String line = lines[k];
            if (!line.startsWith(DASH)) return Result.err(where + " does not start with an em dash and a space");
            String[] f = line.substring(DASH.length()).split(" ", -1);
            if (f.length != 2) return Result.err(where + " must be \"— <key name> <base64 signature>\"");
            String p = keyNameProblem(f[0]);
            if (p != null) return Result.err(where + ": " + p);
            byte[] raw = unb64(f[1]);
            if (raw == null) return Result.err(where + ": signature is not base64");
            if (raw.length < 5) return Result.err(where + ": signature is too short");
            sigs.add(new Sig(f[0], hex(Arrays.copyOf(raw, 4)), Arrays.copyOfRange(raw, 4, raw.length)));
        }
        return Result.ok(new Note(text, sigs));
    }

    record Checkpoint(String origin, long size, byte[] root) {}

    static final Pattern DECIMAL = Pattern.compile("^(0|[1-9][0-9]*)$");

    static Result<Checkpoint> parseCheckpoint(String text) {
        if (!text.endsWith("\n")) return Result.err("checkpoint text must end with a newline");
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) return Result.err("checkpoint needs an origin, a size and a root hash line");
        if (lines[0].isEmpty()) return Result.err("checkpoint origin is empty");
        if (!DECIMAL.matcher(lines[1]).matches()) return Result.err("checkpoint size \"" + lines[1] + "\" is not a decimal without leading zeros");
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            return Result.err("checkpoint size is too large");
        }
        if (size > 9007199254740991L) return Result.err("checkpoint size is too large");
        byte[] root = unb64(lines[2]);
        if (root == null || root.length != 32) return Result.err("checkpoint root is not a base64 32-byte hash");
        for (int k = 3; k < lines.length; k++) if (lines[k].isEmpty()) return Result.err("checkpoint extension lines must not be empty");
        return Result.ok(new Checkpoint(lines[0], size, root));
    }

    static byte[] keyId(String name, byte[] pub) {
        return Arrays.copyOf(sha256(bytes(name), new byte[] {0x0a, 0x01}, pub), 4);
    }

    record VKey(String name, String keyIdHex, byte[] pub, String vkey) {}

    static Result<VKey> parseVkey(String v) {
        int first = v.indexOf('+');
        int second = first < 0 ? -1 : v.indexOf('+', first + 1);
        if (second < 0) return Result.err("verifier key must be <name>+<key ID>+<key data>");
        String name = v.substring(0, first), idHex = v.substring(first + 1, second), data = v.substring(second + 1);
        String p = keyNameProblem(name);
        if (p != null) return Result.err("verifier key: " + p);
        if (!idHex.matches("^[0-9a-fA-F]{8}$")) return Result.err("verifier key: key ID must be 8 hex digits");
        byte[] raw = unb64(data);
        if (raw == null) return Result.err("verifier key: key data is not base64");
        if (raw.length != 33 || raw[0] != 0x01) return Result.err("verifier key: only Ed25519 keys (type 0x01, 32 bytes) are supported");
        byte[] pub = Arrays.copyOfRange(raw, 1, 33);
        String id = hex(keyId(name, pub));
        if (!id.equals(idHex.toLowerCase())) return Result.err("verifier key: key ID does not match the name and key");
        return Result.ok(new VKey(name, id, pub, name + "+" + id + "+" + data));
    }

    static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    static boolean ed25519Verify(byte[] pub, byte[] sig, byte[] msg) {
        if (pub.length != 32 || sig.length != 64) return false;
        try {
            PublicKey k = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(SPKI_PREFIX, pub)));
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(k);
            v.update(msg);
            return v.verify(sig);
        } catch (Exception e) {
            return false;
        }
    }

    record Opened(boolean trusted, String problem) {}

    /** Opens a note against keys (§6.2): trusted, or the reason it is not; error = malformed. */
    static Result<Opened> openNote(String note, List<VKey> keys) {
        Result<Note> parsed = parseNote(note);
        if (!parsed.isOk()) return Result.err(parsed.error());
        byte[] msg = bytes(parsed.value().text());
        Set<String> seen = new HashSet<>();
        int known = 0;
        List<String> bad = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (Sig sg : parsed.value().sigs()) {
            all.add(sg.name() + " " + sg.keyIdHex());
            VKey key = null;
            for (VKey k : keys) if (k.name().equals(sg.name()) && k.keyIdHex().equals(sg.keyIdHex())) { key = k; break; }
            if (key == null) continue;
            String id = sg.name() + "+" + sg.keyIdHex();
            if (!seen.add(id)) return Result.err("two signatures by the key " + sg.name() + " (" + sg.keyIdHex() + ")");
            known++;
            if (!ed25519Verify(key.pub(), sg.sig(), msg)) bad.add(sg.name());
        }
        if (known > 0 && bad.isEmpty()) return Result.ok(new Opened(true, null));
        if (!bad.isEmpty()) return Result.ok(new Opened(false, "the signature by " + String.join(", ", bad) + " does not verify"));
        return Result.ok(new Opened(false, "not signed by any key in keys.txt (signed by " + String.join(", ", all) + ")"));
    }

    // =========================================================================================
    // Receipts (§7.2, §7.3)

    static final class Receipt {
        Long index;
        byte[] entryBytes;
        Checkpoint checkpoint;
        boolean signatureVerified;
        String signatureProblem;
        final List<String> problems = new ArrayList<>();
    }

    static final Pattern INDEX = Pattern.compile("^index (0|[1-9][0-9]*)$");

    static Receipt verifyReceipt(byte[] file, List<VKey> keys, String expectedOrigin) {
        Receipt r = new Receipt();
        String text = utf8(file);
        if (text == null) {
            r.problems.add("receipt is not UTF-8 text");
            return r;
        }
        int blank = text.indexOf("\n\n");
        if (blank < 0) {
            r.problems.add("receipt is malformed: no blank line before the checkpoint");
            return r;
        }
        String[] head = text.substring(0, blank).split("\n", -1);
        String note = text.substring(blank + 2);
        int k = 0;
        if (!head[k++].equals("c2sp.org/tlog-proof@v1")) {
            r.problems.add("receipt is malformed: first line must be c2sp.org/tlog-proof@v1");
            return r;
        }
        byte[] extra = null;
        if (k < head.length && head[k].startsWith("extra ")) {
            extra = unb64(head[k].substring(6));
            if (extra == null) {
                r.problems.add("receipt is malformed: extra data is not base64");
                return r;
            }
            k++;
        }
        Matcher m = k < head.length ? INDEX.matcher(head[k]) : null;
        k++;
        if (m == null || !m.matches()) {
            r.problems.add("receipt is malformed: expected \"index <n>\"");
            return r;
        }
        long index;
        try {
            index = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            r.problems.add("receipt is malformed: index is too large");
            return r;
        }
        List<byte[]> hashes = new ArrayList<>();
        for (; k < head.length; k++) {
            byte[] h = unb64(head[k]);
            if (h == null || h.length != 32) {
                r.problems.add("receipt is malformed: line " + (k + 1) + " is not a base64 32-byte hash");
                return r;
            }
            hashes.add(h);
        }
        if (hashes.size() > 63) {
            r.problems.add("receipt is malformed: too many hashes");
            return r;
        }
        Result<Note> parsedNote = parseNote(note);
        if (!parsedNote.isOk()) {
            r.problems.add("receipt is malformed: checkpoint: " + parsedNote.error());
            return r;
        }
        r.index = index;
        Result<Opened> opened = openNote(note, keys);
        if (opened.isOk() && opened.value().trusted()) {
            r.signatureVerified = true;
        } else {
            r.signatureProblem = !opened.isOk() ? "checkpoint note: " + opened.error()
                    : opened.value().problem().startsWith("the signature") ? "checkpoint signature does not verify"
                    : "checkpoint is not signed by a known key";
            r.problems.add(r.signatureProblem);
        }
        Result<Checkpoint> cp = parseCheckpoint(parsedNote.value().text());
        if (!cp.isOk()) r.problems.add("checkpoint: " + cp.error());
        else {
            r.checkpoint = cp.value();
            if (expectedOrigin != null && !cp.value().origin().equals(expectedOrigin)) {
                r.problems.add("checkpoint is for log \"" + cp.value().origin() + "\", not \"" + expectedOrigin + "\"");
            }
        }
        if (extra == null) {
            r.problems.add("receipt carries no entry (no extra line)");
            return r;
        }
        r.entryBytes = extra;
        byte[] leaf = leafHash(extra);
        String entryText = utf8(extra);
        if (entryText == null) r.problems.add("the entry is not UTF-8");
        else {
            Object parsed = parseJson(entryText);
            if (parsed == null) r.problems.add("the entry is not JSON");
            else if (obj(parsed) != null) {
                Map<String, Object> e = obj(parsed);
                if (!isCanonical(entryText)) r.problems.add("the entry is not canonical JSON");
                if (!(e.get("seq") instanceof Double d && d == (double) index)) r.problems.add("the entry's seq " + show(e.get("seq")) + " is not the index " + index);
                if (r.checkpoint != null && !r.checkpoint.origin().equals(e.get("log"))) r.problems.add("the entry belongs to log " + show(e.get("log")) + ", not the checkpoint's");
            } else if (parsed != NULL) {
                r.problems.add("the entry is not a JSON object");
            }
        }
        if (r.checkpoint != null) {
            if (index >= r.checkpoint.size()) r.problems.add("index " + index + " is outside the checkpoint's " + r.checkpoint.size() + " entries");
            else if (!verifyInclusion(index, r.checkpoint.size(), leaf, hashes, r.checkpoint.root())) {
                r.problems.add("the inclusion proof of entry " + index + " does not match the checkpoint's root");
            }
        }
        return r;
    }

    // =========================================================================================
    // Manifest (§9.1) and roster (§9.2)

    record Matter(String key, Object category, String kind, List<String> options) {}

    static final class Manifest {
        String log;
        Object scope; // NULL or a map
        List<Matter> matters = new ArrayList<>();
        String revision, secrecy, spoilt, nonVoters, merge;
        List<Object> countKinds;
        long parties, areaCents;
        String rosterSha;
        /** §9.1 occupied_parts (§10.5); empty when absent. */
        List<String> occupiedParts = new ArrayList<>();
        Map<String, Object> raw;
    }

    static boolean oneOf(Object v, String... allowed) {
        return v instanceof String str && Arrays.asList(allowed).contains(str);
    }

    static Manifest readManifest(Object json, List<String> problems) {
        Map<String, Object> j = obj(json);
        if (j == null) {
            problems.add("manifest.json is not a JSON object");
            return null;
        }
        Manifest m = new Manifest();
        m.raw = j;
        if (!(j.get("log") instanceof String log) || log.isEmpty()) problems.add("manifest: \"log\" (the origin) is missing");
        else m.log = log;
        Object scope = j.get("scope") == null ? NULL : j.get("scope");
        if (scope != NULL && !(obj(scope) != null && isStr(obj(scope).get("building")))) problems.add("manifest: \"scope\" must be null or {building, entrance?}");
        m.scope = scope;
        Map<String, Object> rules = obj(j.get("rules"));
        if (rules == null) problems.add("manifest: \"rules\" is missing");
        else {
            if (!oneOf(rules.get("revision"), "final", "last_counts")) problems.add("manifest: rules.revision must be \"final\" or \"last_counts\"");
            if (!oneOf(rules.get("secrecy"), "open", "sealed")) problems.add("manifest: rules.secrecy must be \"open\" or \"sealed\"");
            if (!oneOf(rules.get("spoilt"), "participates", "excluded")) problems.add("manifest: rules.spoilt is missing");
            if (!oneOf(rules.get("nonVoters"), "strict", "deemed_majority")) problems.add("manifest: rules.nonVoters is missing");
            if (!oneOf(rules.get("merge"), "identical_owner_set", "shared_person")) problems.add("manifest: rules.merge is missing");
            boolean kindsOk = rules.get("countKinds") instanceof List<?> l && l.stream().allMatch(Verifier::isStr);
            if (!kindsOk) problems.add("manifest: rules.countKinds is missing");
        }
        if (!(j.get("matters") instanceof List<?> ms) || ms.isEmpty()) {
            problems.add("manifest: \"matters\" must be a non-empty array");
        } else {
            Set<String> keys = new HashSet<>();
            for (int k = 0; k < ms.size(); k++) {
                String where = "manifest: matters[" + k + "]";
                Map<String, Object> mt = obj(ms.get(k));
                if (mt == null || !isStr(mt.get("key"))) {
                    problems.add(where + " has no key");
                    continue;
                }
                String key = (String) mt.get("key");
                if (!keys.add(key)) problems.add(where + ": key " + key + " appears twice");
                Object cat = mt.get("category");
                Object category = null;
                if ("consultation".equals(cat)) category = "consultation";
                else if (cat instanceof String cs && cs.matches("^[1-9]$")) category = (double) Integer.parseInt(cs);
                else if (cat instanceof Double d && d == Math.floor(d) && d >= 1 && d <= 9) category = d;
                if (category == null) problems.add(where + ": category must be \"1\"…\"9\" or \"consultation\"");
                Object kind = mt.get("kind");
                boolean kindOk = oneOf(kind, "yes_no", "options");
                if (!kindOk) problems.add(where + ": kind must be \"yes_no\" or \"options\"");
                List<String> options = null;
                boolean optionsOk = false;
                if (mt.get("options") instanceof List<?> ol) {
                    options = new ArrayList<>();
                    optionsOk = true;
                    for (Object o : ol) {
                        Map<String, Object> oo = obj(o);
                        if (oo == null || !isStr(oo.get("key"))) optionsOk = false;
                        else options.add((String) oo.get("key"));
                    }
                }
                if (!optionsOk) problems.add(where + ": options must be a list of {key, …}");
                else if ("options".equals(kind) && options.size() < 2) problems.add(where + ": an option matter needs at least two options");
                if (category != null && kindOk && optionsOk) m.matters.add(new Matter(key, category, (String) kind, options));
            }
        }
        Map<String, Object> el = obj(j.get("electorate"));
        if (el == null || !isStr(el.get("roster_sha256")) || !isCount(el.get("parties")) || !isCount(el.get("area_cents"))) {
            problems.add("manifest: \"electorate\" must give parties, area_cents and roster_sha256");
        }
        Object occupied = j.get("occupied_parts");
        if (occupied != null) {
            if (occupied instanceof List<?> ol && ol.stream().allMatch(Verifier::isStr)) {
                for (Object o : ol) m.occupiedParts.add((String) o);
            } else {
                problems.add("manifest: \"occupied_parts\" must be an array of strings");
            }
        }
        if (!problems.isEmpty()) return null;
        m.revision = (String) rules.get("revision");
        m.secrecy = (String) rules.get("secrecy");
        m.spoilt = (String) rules.get("spoilt");
        m.nonVoters = (String) rules.get("nonVoters");
        m.merge = (String) rules.get("merge");
        @SuppressWarnings("unchecked") List<Object> kinds = (List<Object>) rules.get("countKinds");
        m.countKinds = kinds;
        m.parties = count(el.get("parties"));
        m.areaCents = count(el.get("area_cents"));
        m.rosterSha = (String) el.get("roster_sha256");
        return m;
    }

    record Party(String party, long areaCents, long heads, boolean developer, List<String> parts) {}

    static List<Party> readRoster(byte[] b, Step step) {
        String text = utf8(b);
        if (text == null) {
            step.fail("roster.jsonl is not UTF-8");
            return null;
        }
        if (!text.isEmpty() && !text.endsWith("\n")) step.fail("roster.jsonl does not end with a newline");
        List<Party> out = new ArrayList<>();
        Set<String> ids = new HashSet<>(), partIds = new HashSet<>();
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        String[] lines = text.isEmpty() ? new String[0] : body.split("\n", -1);
        for (int k = 0; k < lines.length; k++) {
            String where = "roster.jsonl line " + (k + 1);
            Map<String, Object> p = obj(parseJson(lines[k]));
            boolean partsOk = p != null && p.get("parts") instanceof List<?> pl && !pl.isEmpty() && pl.stream().allMatch(Verifier::isStr);
            if (p == null || !isStr(p.get("party")) || !isCount(p.get("area_cents")) || !isCount(p.get("heads")) || !(p.get("developer") instanceof Boolean) || !partsOk) {
                step.fail(where + ": expected {party, area_cents, heads, developer, parts}");
                continue;
            }
            if (!isCanonical(lines[k])) step.fail(where + ": not canonical JSON");
            String id = (String) p.get("party");
            if (!ids.add(id)) step.fail(where + ": party " + id + " appears twice");
            List<String> parts = new ArrayList<>();
            for (Object x : (List<?>) p.get("parts")) {
                parts.add((String) x);
                if (!partIds.add((String) x)) step.fail(where + ": part " + x + " belongs to two parties");
            }
            out.add(new Party(id, count(p.get("area_cents")), count(p.get("heads")), (Boolean) p.get("developer"), parts));
        }
        return out;
    }

    // =========================================================================================
    // The recount (§10)

    static final class W {
        long parties, area;
        W() {}
        W(long p, long a) { parties = p; area = a; }
        void add(long a) { parties++; area += a; }
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("parties", (double) parties);
            m.put("area", formatArea(area));
            return m;
        }
    }

    static String formatArea(long cents) {
        String sign = cents < 0 ? "-" : "";
        String d = String.valueOf(Math.abs(cents));
        while (d.length() < 3) d = "0" + d;
        return sign + d.substring(0, d.length() - 2) + "." + d.substring(d.length() - 2);
    }

    static final BigInteger B2 = BigInteger.valueOf(2), B3 = BigInteger.valueOf(3), B4 = BigInteger.valueOf(4);

    static BigInteger bi(long v) { return BigInteger.valueOf(v); }

    static boolean quorumMet(W part, W total) {
        if (total.parties <= 0) return false;
        return B3.multiply(bi(part.area)).compareTo(B2.multiply(bi(total.area))) >= 0
                && B3.multiply(bi(part.parties)).compareTo(B2.multiply(bi(total.parties))) >= 0;
    }

    static boolean qualified(Object category) {
        return category instanceof Double d && (d == 6 || d == 7 || d == 8);
    }

    static boolean passes(Object category, W yes, W part) {
        if (part.parties <= 0) return false;
        if (qualified(category)) {
            return B4.multiply(bi(yes.area)).compareTo(B3.multiply(bi(part.area))) >= 0
                    && B4.multiply(bi(yes.parties)).compareTo(B3.multiply(bi(part.parties))) >= 0;
        }
        return B2.multiply(bi(yes.area)).compareTo(bi(part.area)) > 0
                && B2.multiply(bi(yes.parties)).compareTo(bi(part.parties)) > 0;
    }

    static boolean quorumFor(Object category, W part, W total) {
        return "consultation".equals(category) ? total.parties > 0 : quorumMet(part, total);
    }

    /** {@code channel}: "proxy" for a proxy holder's ballot (online or paper), else the owner's own. */
    record BallotIn(long seq, String party, String choice, String channel) {}

    static final class Recount {
        Map<String, Object> contract;
        W participation;
        String outcome;
        /** The parties with an effective ballot, and those whose effective choice is "yes" (§10.5). */
        Set<String> voted = new HashSet<>(), yes = new HashSet<>();
    }

    static final class EngineError extends Exception {
        EngineError(String m) { super(m); }
    }

    /** Parties served with the ballot letter, from the close entry. */
    final Set<String> served = new HashSet<>();

    /** Counts one matter (§10.1–§10.3); the contract JSON as a map of plain JSON values. */
    Recount tally(Manifest mf, Matter matter, Map<String, Party> roster, W total, List<BallotIn> ballots) throws EngineError {
        List<String> options = "options".equals(matter.kind()) ? matter.options() : null;
        if (options != null) {
            if (new HashSet<>(options).size() != options.size()) throw new EngineError("an option id appears twice");
            if (options.contains("abstain") || options.contains("spoilt")) throw new EngineError("\"abstain\"/\"spoilt\" cannot be an option id");
        }
        List<String> allowed = new ArrayList<>();
        if (options != null) allowed.addAll(options);
        else allowed.addAll(List.of("yes", "no"));
        allowed.add("abstain");
        allowed.add("spoilt");
        Map<String, BallotIn> effective = new LinkedHashMap<>();
        List<Object> rejected = new ArrayList<>();
        // §4.3 owner_wins: the owner's own ballot replaces their proxy holder's, even under "final";
        // a proxy holder's ballot after the owner's is refused, even under "last_counts".
        boolean ownerWins = ownerWins(mf);
        for (BallotIn b : ballots) {
            String reason = null;
            BallotIn previous = b.party() == null ? null : effective.get(b.party());
            boolean proxyNow = "proxy".equals(b.channel());
            boolean ownerReplacesProxy = ownerWins && previous != null && "proxy".equals(previous.channel()) && !proxyNow;
            boolean proxyAfterOwner = ownerWins && previous != null && !"proxy".equals(previous.channel()) && proxyNow;
            if (b.party() == null || !roster.containsKey(b.party())) reason = "unknown part";
            else if (previous != null && (("final".equals(mf.revision) && !ownerReplacesProxy) || proxyAfterOwner)) reason = "party already voted";
            else if (!allowed.contains(b.choice())) reason = "choice not allowed";
            if (reason != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("seq", (double) b.seq());
                r.put("reason", reason);
                rejected.add(r);
                continue;
            }
            effective.remove(b.party());
            effective.put(b.party(), b);
        }
        Map<String, W> by = new HashMap<>();
        for (String c : allowed) by.put(c, new W());
        W part = new W();
        for (BallotIn b : effective.values()) {
            long area = roster.get(b.party()).areaCents();
            by.get(b.choice()).add(area);
            if (!("spoilt".equals(b.choice()) && "excluded".equals(mf.spoilt))) part.add(area);
        }
        Object category = matter.category();
        boolean quorum = quorumFor(category, part, total);
        W yes, no;
        String outcome;
        Map<String, Object> out = new LinkedHashMap<>();
        String adopted = null;
        Map<String, Object> optionsJson = null;
        if (options != null) {
            optionsJson = new LinkedHashMap<>();
            W cast = new W();
            for (String o : options) {
                W w = by.get(o);
                optionsJson.put(o, w.json());
                cast.parties += w.parties;
                cast.area += w.area;
                if (adopted == null && quorum && passes(category, w, part)) adopted = o;
            }
            yes = adopted == null ? new W() : new W(by.get(adopted).parties, by.get(adopted).area);
            no = new W(cast.parties - yes.parties, cast.area - yes.area);
            outcome = !quorum ? "not_decided" : adopted != null ? "passed" : "rejected";
        } else {
            yes = by.get("yes");
            no = by.get("no");
            outcome = !quorum ? "not_decided" : passes(category, yes, part) ? "passed" : "rejected";
        }
        W spoilt = by.get("spoilt");
        out.put("electorate", total.json());
        out.put("participation", part.json());
        out.put("yes", yes.json());
        out.put("no", no.json());
        out.put("abstain", by.get("abstain").json());
        if (spoilt.parties > 0) out.put("spoilt", spoilt.json());
        out.put("quorum", quorum);
        out.put("outcome", outcome);
        if (options != null) {
            out.put("options", optionsJson);
            out.put("adopted", adopted == null ? NULL : adopted);
        }
        Map<String, Object> rules = new LinkedHashMap<>();
        rules.put("category", category);
        Object scope = NULL;
        if (mf.scope != NULL) {
            Map<String, Object> sc = new LinkedHashMap<>();
            sc.put("building", obj(mf.scope).get("building"));
            Object ent = obj(mf.scope).get("entrance");
            if (ent != null && ent != NULL) sc.put("entrance", ent);
            scope = sc;
        }
        rules.put("scope", scope);
        rules.put("merge", mf.merge);
        rules.put("count_kinds", new ArrayList<>(mf.countKinds));
        rules.put("revision", mf.revision);
        rules.put("spoilt", mf.spoilt);
        rules.put("non_voters", mf.nonVoters);
        rules.put("options", options == null ? NULL : new ArrayList<Object>(options));
        out.put("rules", rules);
        out.put("rejected_ballots", rejected);
        if ("deemed_majority".equals(mf.nonVoters)) {
            Map<String, Object> d = new LinkedHashMap<>();
            String reason = null;
            if (options != null) reason = "the non-voter rule applies to yes/no matters only";
            else {
                long areaWay = Long.signum(yes.area - no.area), headWay = Long.signum(yes.parties - no.parties);
                if (areaWay == 0 || headWay == 0) reason = "the cast yes and no ballots are tied on area or headcount, so there is no majority to follow";
                else if (areaWay != headWay) reason = "the area majority and the headcount majority of the cast ballots point different ways";
            }
            // Served parties that cast no ballot on this matter follow the majority of the cast ballots.
            W dPart = new W(part.parties, part.area);
            W dYes = new W(yes.parties, yes.area);
            String dOutcome = outcome;
            if (reason == null) {
                boolean yesWay = yes.area > no.area;
                W dNo = new W(no.parties, no.area);
                for (Map.Entry<String, Party> e : roster.entrySet()) {
                    if (!served.contains(e.getKey()) || effective.containsKey(e.getKey())) continue;
                    long area = e.getValue().areaCents();
                    dPart.add(area);
                    if (yesWay) dYes.add(area);
                    else dNo.add(area);
                }
                boolean dq = quorumFor(category, dPart, total);
                dOutcome = !dq ? "not_decided" : passes(category, dYes, dPart) ? "passed" : "rejected";
            }
            d.put("applicable", reason == null);
            if (reason != null) d.put("reason", reason);
            d.put("outcome", dOutcome);
            d.put("participation", dPart.json());
            d.put("yes", dYes.json());
            out.put("deemed", d);
        }
        Recount r = new Recount();
        r.contract = out;
        r.participation = part;
        r.outcome = outcome;
        for (BallotIn b : effective.values()) {
            r.voted.add(b.party());
            if ("yes".equals(b.choice())) r.yes.add(b.party());
        }
        return r;
    }

    static Long cents(Object area) {
        if (!(area instanceof String str)) return null;
        Matcher m = Pattern.compile("^(-?)([0-9]+)\\.([0-9]{2})$").matcher(str);
        if (!m.matches()) return null;
        try {
            long v = Long.parseLong(m.group(2)) * 100 + Long.parseLong(m.group(3));
            return m.group(1).isEmpty() ? v : -v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {parties, area cents}, or null when malformed. */
    static long[] weightOf(Object w) {
        Map<String, Object> m = obj(w);
        if (m == null || !isCount(m.get("parties"))) return null;
        Long c = cents(m.get("area"));
        return c == null ? null : new long[] {count(m.get("parties")), c};
    }

    /** §10.4: sealed ballots without openings. */
    static List<String> weightsOnly(Recount r, Map<String, Object> claimed, String spoiltRule) {
        List<String> problems = new ArrayList<>();
        if (!canonOrNull(r.contract.get("electorate")).equals(canonOrNull(claimed.get("electorate")))) problems.add("the electorate differs from the roster");
        if (!canonOrNull(r.contract.get("rejected_ballots")).equals(canonOrNull(claimed.get("rejected_ballots")))) problems.add("the rejected ballots differ from the recount");
        long[] part = weightOf(claimed.get("participation"));
        long[] spoilt = claimed.containsKey("spoilt") ? weightOf(claimed.get("spoilt")) : new long[] {0, 0};
        long[] voted = {r.participation.parties, r.participation.area};
        long[] expected = part == null ? null : "excluded".equals(spoiltRule) ? (spoilt == null ? null : new long[] {part[0] + spoilt[0], part[1] + spoilt[1]}) : part;
        if (expected == null || expected[0] != voted[0] || expected[1] != voted[1]) {
            problems.add("participation " + show(claimed.get("participation")) + " does not match the " + voted[0] + " ballots counted (area " + formatArea(voted[1]) + ")");
        }
        List<Object> parts = new ArrayList<>(Arrays.asList(claimed.get("yes"), claimed.get("no"), claimed.get("abstain")));
        if ("participates".equals(spoiltRule) && claimed.containsKey("spoilt")) parts.add(claimed.get("spoilt"));
        long sp = 0, sa = 0;
        boolean bad = part == null;
        for (Object w : parts) {
            long[] x = weightOf(w);
            if (x == null) bad = true;
            else {
                sp += x[0];
                sa += x[1];
            }
        }
        if (bad || sp != part[0] || sa != part[1]) problems.add("yes, no, abstain (and spoilt) do not add up to the participation");
        return problems;
    }

    // =========================================================================================
    // The verification (§12)

    record Line(long seq, byte[] bytes, String text, Map<String, Object> entry, byte[] leaf) {}

    record Cp(String source, String note, long size, byte[] root, String origin) {}

    static final String RECEIPT_SOURCE = "the receipt's checkpoint";
    static final Set<String> BALLOT_EVENTS = Set.of("ballot", "ballot_rejected", "ballot_superseded", "paper_ballot", "proxy");
    /** §12 V9: none of these after close. */
    static final Set<String> NOT_AFTER_CLOSE = Set.of("ballot", "ballot_rejected", "ballot_superseded", "paper_ballot", "proxy", "extension");
    /** §4.2, §10.1: online and paper ballots go into the box and count alike. */
    static final Set<String> COUNTED = Set.of("ballot", "paper_ballot");

    static boolean counted(Map<String, Object> e) { return e != null && e.get("type") instanceof String t && COUNTED.contains(t); }

    final List<Line> lines = new ArrayList<>();
    final Set<Long> matching = new HashSet<>();
    final List<String> recountSummary = new ArrayList<>();

    long changedFrom(long size) {
        long best = 0;
        for (long n : matching) if (n < size && n > best) best = n;
        return best;
    }

    boolean matches(Cp cp) { return cp.size() <= lines.size() && Arrays.equals(root(cp.size()), cp.root()); }

    static long checkpointNumber(String p) {
        Matcher m = Pattern.compile("^checkpoints/([0-9]+)\\.note$").matcher(p);
        if (!m.matches()) return Long.MAX_VALUE;
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    void verify(Map<String, byte[]> files, byte[] separateOpenings, byte[] receiptBytes) {
        byte[] openingsBytes = separateOpenings != null ? separateOpenings : files.get("openings.jsonl");

        // ---- V0
        checkSums(files, separateOpenings, s.get("V0"));

        // ---- V1, the manifest
        Manifest mf = null;
        byte[] manifestBytes = files.get("manifest.json");
        if (manifestBytes == null) s.get("V1").fail("manifest.json is missing");
        else {
            String text = utf8(manifestBytes);
            Object json = parseJson(text);
            if (json == null) s.get("V1").fail("manifest.json is not UTF-8 JSON");
            else {
                List<String> problems = new ArrayList<>();
                mf = readManifest(json, problems);
                for (String p : problems) s.get("V1").fail(p);
                if (!isCanonical(text)) s.get("V1").fail("manifest.json is not the exact canonical (JCS) text");
            }
        }
        String origin = mf == null ? null : mf.log;

        // ---- V2, the entries
        byte[] entriesBytes = files.get("entries.jsonl");
        Step v2 = s.get("V2");
        if (entriesBytes == null) v2.fail("entries.jsonl is missing");
        else {
            int start = 0;
            List<byte[]> raw = new ArrayList<>();
            for (int k = 0; k < entriesBytes.length; k++) {
                if (entriesBytes[k] == '\n') {
                    raw.add(Arrays.copyOfRange(entriesBytes, start, k));
                    start = k + 1;
                }
            }
            if (start < entriesBytes.length) raw.add(Arrays.copyOfRange(entriesBytes, start, entriesBytes.length));
            for (int k = 0; k < raw.size(); k++) {
                byte[] b = raw.get(k);
                String text = utf8(b);
                Object json = parseJson(text);
                Map<String, Object> e = obj(json);
                lines.add(new Line(k, b, text, e, leafHash(b)));
                leaves.add(leafHash(b));
                if (text == null) v2.fail("seq " + k + ": not valid UTF-8", k);
                else if (e == null) v2.fail("seq " + k + ": not a JSON object", k);
                else if (!isCanonical(text)) v2.fail("seq " + k + ": not canonical JCS (RFC 8785 with NFC strings)", k);
            }
            if (entriesBytes.length > 0 && entriesBytes[entriesBytes.length - 1] != '\n') {
                v2.fail("entries.jsonl does not end with a newline after seq " + (lines.size() - 1), lines.size() - 1);
            }
        }
        long L = lines.size();

        // ---- V1, part 2: setup commits to the manifest
        Step v1 = s.get("V1");
        if (entriesBytes != null) {
            List<Line> setups = new ArrayList<>();
            for (Line l : lines) if (l.entry() != null && "setup".equals(l.entry().get("type"))) setups.add(l);
            if (L == 0) v1.fail("the log is empty: there is no setup entry");
            else if (lines.get(0).entry() == null || !"setup".equals(lines.get(0).entry().get("type"))) v1.fail("seq 0 is not the setup entry", 0);
            for (int k = 1; k < setups.size(); k++) v1.fail("seq " + setups.get(k).seq() + ": a second setup entry", setups.get(k).seq());
            if (!setups.isEmpty() && manifestBytes != null) {
                Line setup = setups.get(0);
                String got = b64(sha256(manifestBytes));
                if (!got.equals(setup.entry().get("manifest_sha256"))) {
                    v1.fail("manifest.json hashes to " + got + ", but the setup entry (seq " + setup.seq() + ") commits to " + show(setup.entry().get("manifest_sha256")), setup.seq());
                }
            }
        }

        // ---- V3: seq and header
        Step v3 = s.get("V3");
        if (entriesBytes == null) v3.skip("entries.jsonl is missing", false);
        if (origin == null) v3.note("cannot check the log name: the manifest is unusable (see V1)");
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (e == null) {
                v3.fail("seq " + l.seq() + ": unreadable entry (see V2)", l.seq());
                continue;
            }
            if (!(e.get("seq") instanceof Double d && d == (double) l.seq())) v3.fail("position " + l.seq() + " holds seq " + show(e.get("seq")), l.seq());
            if (!(e.get("v") instanceof Double v && v == 1.0)) v3.fail("seq " + l.seq() + ": v is " + show(e.get("v")) + ", not 1", l.seq());
            if (origin != null && !origin.equals(e.get("log"))) v3.fail("seq " + l.seq() + ": log " + show(e.get("log")) + " is not this log", l.seq());
            if (!isStr(e.get("type")) || !isStr(e.get("at")) || !isStr(e.get("prev"))) v3.fail("seq " + l.seq() + ": header lacks type, at or prev", l.seq());
        }

        // ---- V4: prev chain
        Step v4 = s.get("V4");
        if (entriesBytes == null) v4.skip("entries.jsonl is missing", false);
        for (Line l : lines) {
            if (l.entry() == null) continue;
            String want = l.seq() == 0 ? "" : b64(lines.get((int) l.seq() - 1).leaf());
            if (!want.equals(l.entry().get("prev"))) {
                v4.fail(l.seq() == 0 ? "prev mismatch at seq 0 (must be empty)" : "prev mismatch at seq " + l.seq() + ": not the leaf hash of seq " + (l.seq() - 1), l.seq());
            }
        }

        // ---- V5: checkpoints
        Step v5 = s.get("V5");
        List<Cp> cps = new ArrayList<>();
        List<String> cpPaths = new ArrayList<>();
        for (String p : files.keySet()) if (p.startsWith("checkpoints/")) cpPaths.add(p);
        cpPaths.sort((a, b) -> {
            int c = Long.compare(checkpointNumber(a), checkpointNumber(b));
            return c != 0 ? c : a.compareTo(b);
        });
        if (cpPaths.isEmpty()) v5.fail("no checkpoint in checkpoints/");
        for (String path : cpPaths) {
            String text = utf8(files.get(path));
            Result<Note> note = text == null ? null : parseNote(text);
            if (note == null || !note.isOk()) {
                v5.fail(path + ": not a signed note" + (note != null ? " (" + note.error() + ")" : ""));
                continue;
            }
            Result<Checkpoint> cp = parseCheckpoint(note.value().text());
            if (!cp.isOk()) {
                v5.fail(path + ": not a checkpoint (" + cp.error() + ")");
                continue;
            }
            Checkpoint c = cp.value();
            cps.add(new Cp(path, text, c.size(), c.root(), c.origin()));
            Matcher named = Pattern.compile("^checkpoints/(0|[1-9][0-9]*)\\.note$").matcher(path);
            if (!named.matches() || !named.group(1).equals(String.valueOf(c.size()))) v5.fail(path + ": holds the checkpoint of size " + c.size() + "; its file name must be checkpoints/" + c.size() + ".note");
            if (origin != null && !c.origin().equals(origin)) v5.fail(path + ": origin \"" + c.origin() + "\" is not this log");
        }
        for (Cp cp : cps) if (matches(cp)) matching.add(cp.size());
        for (Cp cp : cps) {
            if (cp.size() > L) v5.failRange(cp.source() + ": signs " + cp.size() + " entries but entries.jsonl has " + L, L, cp.size());
            else if (!matches(cp)) {
                long from = changedFrom(cp.size());
                v5.failRange(cp.source() + ": the first " + cp.size() + " entries do not hash to the signed root", from, cp.size());
            }
        }

        // ---- V6: keys and signatures
        Step v6 = s.get("V6");
        List<VKey> keys = new ArrayList<>();
        byte[] keysBytes = files.get("keys.txt");
        if (keysBytes == null) v6.fail("keys.txt is missing");
        else {
            String text = utf8(keysBytes);
            if (text == null) v6.fail("keys.txt is not UTF-8");
            else {
                String[] kl = text.split("\n", -1);
                for (int k = 0; k < kl.length; k++) {
                    if (kl[k].isEmpty()) continue;
                    Result<VKey> vk = parseVkey(kl[k]);
                    if (vk.isOk()) keys.add(vk.value());
                    else v6.fail("keys.txt line " + (k + 1) + ": " + vk.error());
                }
                if (keys.isEmpty()) v6.fail("keys.txt holds no verifier key");
            }
        }
        // §2, §12 V6: a vote's checkpoints are signed by the key its manifest names (covered by the setup
        // entry's hash); keys.txt is the deployment's key history and may list others.
        Object manifestVkey = mf != null ? mf.raw.get("vkey") : null;
        boolean fallback = manifestVkey == null || manifestVkey == NULL;
        List<VKey> trusted = keys;
        String against = "any key in keys.txt";
        if (fallback) {
            v6.note(mf != null
                    ? "the manifest names no vkey: checkpoint signatures checked against keys.txt instead (keys.txt comes with the export: confirm the key out of band)"
                    : "the manifest is unusable (see V1): checkpoint signatures checked against keys.txt instead");
        } else {
            Result<VKey> mk = manifestVkey instanceof String str ? parseVkey(str) : Result.err("not a string");
            if (!mk.isOk()) {
                v6.fail("the manifest's vkey " + show(manifestVkey) + " is not a verifier key (" + mk.error() + ")");
                trusted = new ArrayList<>();
                against = "the manifest's key";
            } else {
                trusted = List.of(mk.value());
                against = "the manifest's key (" + mk.value().name() + " " + mk.value().keyIdHex() + ")";
                if (keys.stream().noneMatch(k -> k.vkey().equals(manifestVkey))) v6.fail("the manifest's key " + manifestVkey + " is not in keys.txt");
            }
        }
        for (Cp cp : cps) {
            Result<Opened> o = openNote(cp.note(), trusted);
            if (!o.isOk()) v6.fail(cp.source() + ": " + o.error());
            else if (!o.value().trusted()) {
                if (o.value().problem().startsWith("the signature")) {
                    v6.fail(cp.source() + ": " + o.value().problem());
                    continue;
                }
                List<String> inKeys = new ArrayList<>();
                List<String> all = new ArrayList<>();
                for (Sig sg : parseNote(cp.note()).value().sigs()) {
                    all.add(sg.name() + " " + sg.keyIdHex());
                    for (VKey k : keys) if (k.name().equals(sg.name()) && k.keyIdHex().equals(sg.keyIdHex())) { inKeys.add(sg.name() + " " + sg.keyIdHex()); break; }
                }
                if (!inKeys.isEmpty()) v6.fail(cp.source() + ": signed only by " + String.join(", ", inKeys) + ", a key in keys.txt but not " + against);
                else v6.fail(cp.source() + ": not signed by " + against + " (signed by " + String.join(", ", all) + ")");
            }
        }
        Receipt receipt = null;
        if (receiptBytes != null) {
            receipt = verifyReceipt(receiptBytes, trusted, origin);
            long[] rs = receipt.index == null ? new long[0] : new long[] {receipt.index};
            if (receipt.signatureProblem != null) v6.fail("receipt" + (receipt.index == null ? "" : " for seq " + receipt.index) + ": " + receipt.signatureProblem, rs);
            if (receipt.checkpoint != null && receipt.signatureVerified) {
                cps.add(new Cp(RECEIPT_SOURCE, "", receipt.checkpoint.size(), receipt.checkpoint.root(), receipt.checkpoint.origin()));
            }
        }

        // ---- V7: consistency
        checkConsistency(s.get("V7"), cps, L, receipt);

        // ---- V8: roster
        Step v8 = s.get("V8");
        List<Party> roster = null;
        byte[] rosterBytes = files.get("roster.jsonl");
        if (rosterBytes == null) v8.fail("roster.jsonl is missing");
        else {
            roster = readRoster(rosterBytes, v8);
            if (mf != null) {
                String got = b64(sha256(rosterBytes));
                if (!got.equals(mf.rosterSha)) v8.fail("roster.jsonl hashes to " + got + ", not the manifest's roster_sha256 " + mf.rosterSha + ": the roster changed after setup", 0);
                if (roster != null) {
                    long area = 0;
                    for (Party p : roster) area += p.areaCents();
                    if (roster.size() != mf.parties || area != mf.areaCents) v8.fail("roster.jsonl has " + roster.size() + " parties and " + area + " area cents; the manifest says " + mf.parties + " and " + mf.areaCents, 0);
                }
            } else {
                v8.note("cannot compare the roster with the manifest's hash: the manifest is unusable (see V1)");
            }
        }
        Map<String, Party> rosterById = new LinkedHashMap<>();
        if (roster != null) for (Party p : roster) rosterById.put(p.party(), p); // a party listed twice: the later line
        if (roster != null && mf != null) {
            // §12 V8, §10.5: every occupied part is a part of some roster party.
            Set<String> held = new HashSet<>();
            for (Party p : roster) held.addAll(p.parts());
            for (String part : new java.util.LinkedHashSet<>(mf.occupiedParts)) {
                if (!held.contains(part)) v8.fail("occupied part " + show(part) + " is not a part of any roster party", 0);
            }
        }
        if (roster != null) {
            for (Line l : lines) {
                Map<String, Object> e = l.entry();
                if (e == null || !(e.get("type") instanceof String type) || !BALLOT_EVENTS.contains(type) || !e.containsKey("party")) continue;
                Party party = e.get("party") instanceof String ps ? rosterById.get(ps) : null;
                if (party == null) {
                    v8.fail("seq " + l.seq() + ": party " + show(e.get("party")) + " is not in the roster", l.seq());
                    continue;
                }
                if (e.containsKey("weights")) {
                    Map<String, Object> w = obj(e.get("weights"));
                    boolean okW = w != null && w.size() == 2 && w.get("area_cents") instanceof Double a && a == (double) party.areaCents()
                            && w.get("heads") instanceof Double h && h == (double) party.heads();
                    if (!okW) v8.fail("seq " + l.seq() + ": weights " + show(e.get("weights")) + " differ from the roster's " + party.party(), l.seq());
                } else if ("ballot".equals(type) || "paper_ballot".equals(type) || "ballot_rejected".equals(type)) {
                    v8.fail("seq " + l.seq() + ": a " + type + " entry without weights", l.seq());
                }
            }
        }

        // ---- V9: ballot box rules
        if (mf != null) checkBallots(s.get("V9"), mf, L, roster != null ? rosterById : null);
        else s.get("V9").skip("cannot check: the manifest is unusable (see V1)", false);

        // ---- V11 before V10, which uses what the openings open to
        Map<Long, String> opened = new HashMap<>();
        boolean sealed = mf != null && "sealed".equals(mf.secrecy);
        Step v11 = s.get("V11");
        if (mf == null) v11.skip("cannot check: the manifest is unusable (see V1)", false);
        else if (!sealed) v11.skip("open mode: the choices are in the entries", true);
        else if (openingsBytes == null) v11.skip("no openings given (openings.jsonl, for auditors): commitments not checked", true);
        else checkOpenings(v11, openingsBytes, opened);

        // ---- V10: recount
        Step v10 = s.get("V10");
        if (mf == null) v10.skip("cannot recount: the manifest is unusable (see V1)", false);
        else if (roster == null) v10.skip("cannot recount: the roster is unusable (see V8)", false);
        else checkTally(v10, mf, roster, files.get("tally.json"), sealed ? (openingsBytes != null ? opened : null) : null);

        // ---- V12: credentials (§4.5), V13: the participation list (§11)
        boolean declared = mf != null && Boolean.TRUE.equals(mf.raw.get("credentials"));
        Step v12 = s.get("V12");
        if (mf == null) v12.skip("cannot check: the manifest is unusable (see V1)", false);
        else if (!declared) v12.skip("the manifest does not declare credentials (a log from before credential entries): who could cast each ballot is not checked", true);
        else checkCredentials(v12, mf, roster != null ? rosterById : null);
        checkParticipation(s.get("V13"), declared, files.get("participation.jsonl"), roster);

        // ---- §12.1: the issuer report, with a usable manifest
        if (mf != null) {
            Map<String, Object> window = obj(mf.raw.get("window"));
            issuerReport = issuerReport(window != null && window.get("opens_at") instanceof String o ? o : null);
        }
    }

    void checkSums(Map<String, byte[]> files, byte[] separateOpenings, Step step) {
        byte[] sums = files.get("SHA256SUMS");
        if (sums == null) {
            step.fail("SHA256SUMS is missing");
            return;
        }
        String text = utf8(sums);
        if (text == null) {
            step.fail("SHA256SUMS is not UTF-8");
            return;
        }
        Map<String, String> listed = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^([0-9a-fA-F]{64}) [ *](.+)$");
        String[] ls = text.split("\n", -1);
        for (int k = 0; k < ls.length; k++) {
            if (ls[k].isEmpty()) continue;
            Matcher m = line.matcher(ls[k]);
            if (!m.matches()) {
                step.fail("SHA256SUMS line " + (k + 1) + " is not \"<sha256 hex>  <path>\"");
                continue;
            }
            String path = m.group(2).startsWith("./") ? m.group(2).substring(2) : m.group(2);
            if (listed.containsKey(path)) step.fail("SHA256SUMS lists " + path + " twice");
            listed.put(path, m.group(1).toLowerCase());
        }
        for (Map.Entry<String, String> e : listed.entrySet()) {
            byte[] b = files.get(e.getKey());
            if (b == null && e.getKey().equals("openings.jsonl")) b = separateOpenings;
            if (b == null) {
                if (e.getKey().equals("openings.jsonl")) step.note("openings.jsonl is listed but not present (it is given to auditors separately)");
                else step.fail(e.getKey() + " is listed in SHA256SUMS but missing");
                continue;
            }
            if (!hex(sha256(b)).equals(e.getValue())) step.fail(e.getKey() + ": SHA-256 does not match SHA256SUMS (the file was changed)");
        }
        for (String p : files.keySet()) if (!p.equals("SHA256SUMS") && !listed.containsKey(p)) step.fail(p + " is not listed in SHA256SUMS");
    }

    void checkConsistency(Step step, List<Cp> cps, long L, Receipt receipt) {
        if (cps.isEmpty()) step.fail("no checkpoint to check");
        Map<Long, List<Cp>> bySize = new TreeMap<>();
        for (Cp cp : cps) bySize.computeIfAbsent(cp.size(), x -> new ArrayList<>()).add(cp);
        for (Map.Entry<Long, List<Cp>> e : bySize.entrySet()) {
            Set<String> roots = new HashSet<>();
            for (Cp cp : e.getValue()) roots.add(b64(cp.root()));
            if (roots.size() > 1) {
                List<String> names = new ArrayList<>();
                for (Cp cp : e.getValue()) names.add(cp.source());
                step.fail("fork: " + String.join(" and ", names) + " sign different roots for the same size " + e.getKey());
            }
        }
        List<Long> sizes = new ArrayList<>(bySize.keySet());
        java.util.function.Function<Long, Cp> pick = size -> {
            for (Cp cp : bySize.get(size)) if (size <= L && Arrays.equals(root(size), cp.root())) return cp;
            return bySize.get(size).get(0);
        };
        for (int k = 0; k + 1 < sizes.size(); k++) {
            Cp a = pick.apply(sizes.get(k)), b = pick.apply(sizes.get(k + 1));
            if (b.size() > L) {
                step.failRange(b.source() + " signs " + b.size() + " entries, but the log ends at " + L + " (truncated)", L, b.size());
                continue;
            }
            List<byte[]> proof = consistencyProof(a.size(), b.size());
            if (!verifyConsistency(a.size(), b.size(), a.root(), b.root(), proof)) {
                boolean aOk = Arrays.equals(root(a.size()), a.root());
                long from = aOk ? a.size() : changedFrom(a.size());
                long to = aOk ? b.size() : a.size();
                step.failRange(a.source() + " (size " + a.size() + ") and " + b.source() + " (size " + b.size() + ") are not consistent through this log", from, to);
            }
        }
        if (sizes.size() == 1 && sizes.get(0) > L) {
            Cp only = pick.apply(sizes.get(0));
            step.failRange(only.source() + " signs " + only.size() + " entries, but the log ends at " + L + " (truncated)", L, only.size());
        }
        long last = 0;
        boolean any = false;
        for (Cp cp : cps) {
            if (cp.source().equals(RECEIPT_SOURCE)) continue;
            any = true;
            last = Math.max(last, cp.size());
        }
        if (any && last < L) step.failRange("the last checkpoint covers " + last + " entries; the rest are not covered by any checkpoint", last, L);
        if (receipt != null) {
            Long idx = receipt.index;
            long[] rs = idx == null ? new long[0] : new long[] {idx};
            for (String p : receipt.problems) {
                if (!p.equals(receipt.signatureProblem)) step.fail("receipt" + (idx == null ? "" : " for seq " + idx) + ": " + p, rs);
            }
            if (idx != null && receipt.entryBytes != null) {
                if (idx >= L) step.fail("receipt: seq " + idx + " is missing from the export (the log ends at " + L + ")", idx);
                else if (!Arrays.equals(lines.get((int) (long) idx).bytes(), receipt.entryBytes)) step.fail("receipt: seq " + idx + " in the export differs from the entry in the receipt", idx);
            }
        }
    }

    static final Pattern SCAN_HEX = Pattern.compile("^[0-9a-f]{64}$");
    static final Pattern TIME = Pattern.compile("^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]{1,9}))?(?:Z|([+-])([0-9]{2}):([0-9]{2}))$");

    /**
     * §1 time (RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction], then Z or ±HH:MM; valid date, hour ≤ 23,
     * no leap second) as {epoch second, nanosecond}, or null.
     */
    static long[] instant(String text) {
        Matcher m = TIME.matcher(text);
        if (!m.matches()) return null;
        int h = Integer.parseInt(m.group(4)), mi = Integer.parseInt(m.group(5)), sec = Integer.parseInt(m.group(6));
        if (h > 23 || mi > 59 || sec > 59) return null;
        long day;
        try {
            day = java.time.LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))).toEpochDay();
        } catch (java.time.DateTimeException e) {
            return null;
        }
        long offset = 0;
        if (m.group(8) != null) {
            int oh = Integer.parseInt(m.group(9)), om = Integer.parseInt(m.group(10));
            if (oh > 23 || om > 59) return null;
            offset = (m.group(8).equals("-") ? -1 : 1) * (oh * 3600L + om * 60L);
        }
        long nano = m.group(7) == null ? 0 : Long.parseLong((m.group(7) + "00000000").substring(0, 9));
        return new long[] {day * 86400 + h * 3600L + mi * 60L + sec - offset, nano};
    }

    /** JavaScript's String.prototype.trim() is empty. */
    static boolean blank(String str) {
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            if (JS_SPACES.indexOf(c) < 0) return false;
        }
        return true;
    }

    static final Pattern HOLDER = Pattern.compile("^[A-Z2-7]{16}$");

    static int cmp(long[] a, long[] b) {
        int c = Long.compare(a[0], b[0]);
        return c != 0 ? c : Long.compare(a[1], b[1]);
    }

    /** §4.3, §9.1: rules.proxyOverride is "owner_wins" (absent or anything else: first_valid). */
    static boolean ownerWins(Manifest mf) {
        Map<String, Object> rules = obj(mf.raw.get("rules"));
        return rules != null && "owner_wins".equals(rules.get("proxyOverride"));
    }

    /** §9.1 rules.proxies as {allowed, cap}, or null when it is not {allowed: boolean, cap: integer}. */
    static Object[] proxyRules(Manifest mf) {
        Map<String, Object> rules = obj(mf.raw.get("rules"));
        Map<String, Object> p = rules == null ? null : obj(rules.get("proxies"));
        if (p == null || !(p.get("allowed") instanceof Boolean allowed) || !isCount(p.get("cap"))) return null;
        return new Object[] {allowed, count(p.get("cap"))};
    }

    void checkBallots(Step step, Manifest mf, long L, Map<String, Party> roster) {
        Set<String> matterKeys = new HashSet<>();
        for (Matter m : mf.matters) matterKeys.add(m.key());
        boolean sealed = "sealed".equals(mf.secrecy);
        Long closeSeq = null;
        Map<String, List<Long>> byVoter = new LinkedHashMap<>();
        List<Line> markers = new ArrayList<>();
        Map<String, Long> byNonce = new HashMap<>(); // matter + nonce -> first ballot, online or paper (§12 V9: replays)
        Map<String, Object> window = obj(mf.raw.get("window"));
        // §4.4: the effective close time, starting at the manifest's window.closes_at.
        long[] current = window != null && window.get("closes_at") instanceof String ct ? instant(ct) : null;
        long[] finalClose = current;
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (e != null && "extension".equals(e.get("type")) && e.get("closes_at") instanceof String c && instant(c) != null) finalClose = instant(c);
        }
        // §4.3: proxies
        Object[] pr = proxyRules(mf);
        Map<String, Long> proxyByParty = new HashMap<>();
        Map<String, Set<String>> proxyByHolder = new HashMap<>();
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (e == null || !(e.get("type") instanceof String type)) continue;
            String at = "seq " + l.seq();
            if (type.equals("close")) {
                if (closeSeq != null) step.fail(at + ": a second close (the first is seq " + closeSeq + ")", l.seq());
                else closeSeq = l.seq();
                continue;
            }
            if (!NOT_AFTER_CLOSE.contains(type)) continue;
            if (closeSeq != null) step.fail(at + ": a " + type + " after the close at seq " + closeSeq, l.seq());
            if (type.equals("extension")) {
                if (!(e.get("reason") instanceof String reason) || blank(reason)) step.fail(at + ": an extension without a reason", l.seq());
                long[] closes = e.get("closes_at") instanceof String c ? instant(c) : null;
                long[] previous = e.get("previous_closes_at") instanceof String c ? instant(c) : null;
                if (closes == null) step.fail(at + ": closes_at is not a time", l.seq());
                if (previous == null) step.fail(at + ": previous_closes_at is not a time", l.seq());
                if (current == null) step.fail(at + ": the window's end before this extension is not a time, so it cannot be checked", l.seq());
                else if (previous != null && cmp(previous, current) != 0) step.fail(at + ": previous_closes_at is not the window's end before this extension", l.seq());
                if (closes != null && previous != null && cmp(closes, previous) <= 0) step.fail(at + ": closes_at is not later than previous_closes_at", l.seq());
                if (closes != null) current = closes;
                continue;
            }
            if (type.equals("proxy")) {
                if (pr == null) step.fail(at + ": rules.proxies is not {allowed, cap}, so the proxy cannot be checked", l.seq());
                else if (!(Boolean) pr[0]) step.fail(at + ": proxies are not allowed in this vote", l.seq());
                Object party = e.get("party");
                if (!(party instanceof String)) step.fail(at + ": a proxy without a party", l.seq());
                else if (roster != null && !roster.containsKey(party)) step.fail(at + ": a proxy for " + show(party) + ", not a roster party", l.seq());
                if (!(e.get("holder") instanceof String h && HOLDER.matcher(h).matches())) step.fail(at + ": holder is not 16 base32 symbols", l.seq());
                if (!(e.get("authorization_sha256") instanceof String ah && SCAN_HEX.matcher(ah).matches())) step.fail(at + ": authorization_sha256 is not 64 lowercase hex digits", l.seq());
                if (!(party instanceof String ps)) continue;
                Long first = proxyByParty.get(ps);
                if (first != null) step.fail(at + ": a second proxy for party " + ps + " (the first is seq " + first + ")", l.seq());
                else proxyByParty.put(ps, l.seq());
                if (!(e.get("holder") instanceof String holder)) continue;
                Set<String> held = proxyByHolder.computeIfAbsent(holder, x -> new HashSet<>());
                if (held.add(ps) && pr != null && held.size() > (Long) pr[1]) step.fail(at + ": holder " + holder + " holds proxies for " + held.size() + " parties, more than the cap " + pr[1], l.seq());
                continue;
            }
            if ((COUNTED.contains(type) || type.equals("ballot_rejected") || type.equals("ballot_superseded"))
                    && !(e.get("matter") instanceof String mk && matterKeys.contains(mk))) {
                step.fail(at + ": matter " + show(e.get("matter")) + " is not a matter of this vote", l.seq());
                continue;
            }
            if (type.equals("ballot_rejected")) {
                if (!(e.get("reason") instanceof String reason) || blank(reason)) step.fail(at + ": a rejected ballot without a reason", l.seq());
                if (e.containsKey("proxy")) {
                    Object ref = e.get("proxy");
                    boolean refOk = isCount(ref) && count(ref) < l.seq() && lines.get((int) count(ref)).entry() != null && "proxy".equals(lines.get((int) count(ref)).entry().get("type"));
                    if (!refOk) step.fail(at + ": proxy " + show(ref) + " is not an earlier proxy entry", l.seq());
                }
                continue;
            }
            if (type.equals("ballot_superseded")) {
                markers.add(l);
                continue;
            }
            if (!COUNTED.contains(type)) continue;
            if (type.equals("paper_ballot")) {
                boolean shapeOk = isStr(e.get("party")) && obj(e.get("weights")) != null && ("paper".equals(e.get("channel")) || "proxy".equals(e.get("channel"))) && isStr(e.get("nonce"));
                if (!shapeOk) step.fail(at + ": a paper ballot needs party, weights, channel \"paper\" or \"proxy\" and nonce", l.seq());
                // §4.2: two different clerks, the scan's SHA-256, received by the window's (effective) end.
                boolean clerksOk = e.get("clerks") instanceof List<?> cl && cl.size() == 2
                        && cl.get(0) instanceof String c0 && !blank(c0) && cl.get(1) instanceof String c1 && !blank(c1) && !c0.equals(c1);
                if (!clerksOk) step.fail(at + ": clerks must be two different non-empty ids, not " + show(e.get("clerks")), l.seq());
                if (!(e.get("scan_sha256") instanceof String sh && SCAN_HEX.matcher(sh).matches())) step.fail(at + ": scan_sha256 is not 64 lowercase hex digits", l.seq());
                long[] received = e.get("received_at") instanceof String rt ? instant(rt) : null;
                if (received == null) step.fail(at + ": received_at " + show(e.get("received_at")) + " is not a time", l.seq());
                else if (finalClose == null) step.fail(at + ": the manifest's window.closes_at is not a time, so received_at cannot be checked", l.seq());
                else if (cmp(received, finalClose) > 0) step.fail(at + ": received after the window closed", l.seq());
            } else {
                boolean shapeOk = isStr(e.get("party")) && obj(e.get("weights")) != null && isStr(e.get("channel")) && isStr(e.get("nonce")) && isStr(e.get("token"));
                if (!shapeOk) step.fail(at + ": a ballot needs party, weights, channel, nonce and token", l.seq());
            }
            // §4.3: a proxy holder's ballot names an earlier proxy entry of the same party.
            if ("proxy".equals(e.get("channel"))) {
                Object ref = e.get("proxy");
                Map<String, Object> target = isCount(ref) && count(ref) < l.seq() ? lines.get((int) count(ref)).entry() : null;
                if (target == null || !"proxy".equals(target.get("type")) || !isStr(e.get("party")) || !e.get("party").equals(target.get("party"))) {
                    step.fail(at + ": a proxy ballot without an earlier proxy entry of its party (proxy " + show(ref) + ")", l.seq());
                }
            } else if (e.containsKey("proxy")) {
                step.fail(at + ": a proxy field on channel " + show(e.get("channel")), l.seq());
            }
            if (sealed) {
                byte[] c = e.get("commit") instanceof String cs ? unb64(cs) : null;
                if (e.containsKey("choice")) step.fail(at + ": sealed mode, yet the ballot shows its choice", l.seq());
                if (c == null || c.length != 32) step.fail(at + ": sealed mode needs a base64 SHA-256 commit", l.seq());
            } else {
                if (e.containsKey("commit")) step.fail(at + ": open mode, yet the ballot carries a commit", l.seq());
                if (!isStr(e.get("choice"))) step.fail(at + ": open mode needs the choice", l.seq());
            }
            if (e.get("nonce") instanceof String nonce) {
                String key = e.get("matter") + "\u0000" + nonce;
                Long first = byNonce.get(key);
                if (first == null) byNonce.put(key, l.seq());
                else step.fail(at + ": replays seq " + first + " (the same nonce " + show(nonce) + " on matter " + e.get("matter") + ")", first, l.seq());
            }
            if (!isStr(e.get("party"))) continue;
            String voter = e.get("matter") + "\u0000" + e.get("party");
            byVoter.computeIfAbsent(voter, x -> new ArrayList<>()).add(l.seq());
        }
        if ("final".equals(mf.revision)) {
            // §12 V9, §4.3: under owner_wins one marker may supersede a proxy holder's ballot, for the
            // owner's own second ballot on that matter; every other marker and second ballot fails.
            boolean ownerWins = ownerWins(mf);
            Map<Long, Long> allowedMarker = new LinkedHashMap<>(); // proxy ballot seq -> marker seq
            for (Line m : markers) {
                Map<String, Object> e = m.entry();
                Object target = e.get("superseded_seq");
                Map<String, Object> t = isCount(target) && count(target) < m.seq() ? lines.get((int) count(target)).entry() : null;
                boolean ok = ownerWins && counted(t) && Objects.equals(t.get("matter"), e.get("matter")) && Objects.equals(t.get("party"), e.get("party"))
                        && "proxy".equals(t.get("channel")) && !allowedMarker.containsKey(count(target));
                if (!ok) {
                    step.fail(ownerWins
                            ? "seq " + m.seq() + ": under \"final\" only a proxy holder's ballot may be superseded, by the owner's own (superseded_seq " + show(target) + ")"
                            : "seq " + m.seq() + ": ballot_superseded under the \"final\" revision rule", m.seq());
                    continue;
                }
                allowedMarker.put(count(target), m.seq());
            }
            Set<Long> usedMarkers = new HashSet<>();
            for (Map.Entry<String, List<Long>> v : byVoter.entrySet()) {
                List<Long> seqs = v.getValue();
                for (int k = 1; k < seqs.size(); k++) {
                    Long marker = allowedMarker.get(seqs.get(k - 1));
                    Map<String, Object> second = lines.get((int) (long) seqs.get(k)).entry();
                    if (k == 1 && marker != null && marker < seqs.get(k) && !"proxy".equals(second.get("channel"))) {
                        usedMarkers.add(marker);
                        continue;
                    }
                    step.fail("seq " + seqs.get(k) + ": a second ballot of " + v.getKey().replace('\u0000', '/') + " (the first is seq " + seqs.get(0) + ")", seqs.get(k));
                }
            }
            for (Map.Entry<Long, Long> a : allowedMarker.entrySet()) {
                if (!usedMarkers.contains(a.getValue())) step.fail("seq " + a.getValue() + ": supersedes the proxy ballot seq " + a.getKey() + ", but no ballot of the owner replaces it", a.getValue());
            }
            return;
        }
        Map<Long, Long> supersedes = new HashMap<>();
        for (Line m : markers) {
            Map<String, Object> e = m.entry();
            Object target = e.get("superseded_seq");
            Map<String, Object> t = isCount(target) && count(target) < L ? lines.get((int) count(target)).entry() : null;
            if (!counted(t) || !Objects.equals(t.get("matter"), e.get("matter")) || !Objects.equals(t.get("party"), e.get("party")) || count(target) >= m.seq()) {
                step.fail("seq " + m.seq() + ": superseded_seq " + show(target) + " is not an earlier ballot of party " + show(e.get("party")) + " on matter " + show(e.get("matter")), m.seq());
                continue;
            }
            long ts = count(target);
            if (supersedes.containsKey(ts)) step.fail("seq " + m.seq() + ": seq " + ts + " was already superseded at seq " + supersedes.get(ts), m.seq());
            else supersedes.put(ts, m.seq());
        }
        for (Map.Entry<String, List<Long>> v : byVoter.entrySet()) {
            List<Long> seqs = v.getValue();
            for (int k = 0; k < seqs.size(); k++) {
                Long marker = supersedes.get(seqs.get(k));
                if (k + 1 == seqs.size()) {
                    if (marker != null) step.fail("seq " + marker + ": supersedes seq " + seqs.get(k) + ", but no later ballot replaces it", marker);
                    continue;
                }
                long next = seqs.get(k + 1);
                if (marker == null) step.fail("seq " + next + ": a second ballot of " + v.getKey().replace('\u0000', '/') + " without marking seq " + seqs.get(k) + " superseded", next);
                else if (marker > next) step.fail("seq " + marker + ": marks seq " + seqs.get(k) + " superseded only after its replacement seq " + next, marker);
            }
        }
    }

    /** §8.2: commit = base64 SHA-256(tag ‖ log ‖ matter ‖ party ‖ choice ‖ salt32), no separators. */
    static String commitment(String log, String matter, String party, String choice, byte[] salt) {
        return b64(sha256(bytes("linli-ballot-v1"), bytes(log), bytes(matter), bytes(party), bytes(choice), salt));
    }

    void checkOpenings(Step step, byte[] b, Map<Long, String> opened) {
        String text = utf8(b);
        if (text == null) {
            step.fail("openings.jsonl is not UTF-8");
            return;
        }
        Set<Long> seen = new HashSet<>();
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        String[] rows = text.isEmpty() ? new String[0] : body.split("\n", -1);
        for (int k = 0; k < rows.length; k++) {
            String where = "openings.jsonl line " + (k + 1);
            Map<String, Object> o = obj(parseJson(rows[k]));
            if (o == null || !isCount(o.get("seq")) || !isStr(o.get("matter")) || !isStr(o.get("party")) || !isStr(o.get("choice")) || !isStr(o.get("salt"))) {
                step.fail(where + ": expected {seq, matter, party, choice, salt}");
                continue;
            }
            long seq = count(o.get("seq"));
            if (!seen.add(seq)) {
                step.fail("seq " + seq + ": opened twice (" + where + ")", seq);
                continue;
            }
            Map<String, Object> e = seq < lines.size() ? lines.get((int) seq).entry() : null;
            if (!counted(e) || !isStr(e.get("commit"))) {
                step.fail("seq " + seq + ": " + where + " opens an entry that is not a sealed ballot", seq);
                continue;
            }
            if (!o.get("matter").equals(e.get("matter")) || !o.get("party").equals(e.get("party"))) {
                step.fail("seq " + seq + ": the opening names another matter or party than the ballot", seq);
                continue;
            }
            byte[] salt = unb64((String) o.get("salt"));
            if (salt == null || salt.length != 32) {
                step.fail("seq " + seq + ": the salt is not 32 bytes of base64", seq);
                continue;
            }
            String log = e.get("log") instanceof String lg ? lg : String.valueOf(e.get("log"));
            if (!commitment(log, (String) o.get("matter"), (String) o.get("party"), (String) o.get("choice"), salt).equals(e.get("commit"))) {
                step.fail("seq " + seq + ": the commitment does not open to the choice " + show(o.get("choice")), seq);
                continue;
            }
            opened.put(seq, (String) o.get("choice"));
        }
        for (Line l : lines) {
            if (counted(l.entry()) && isStr(l.entry().get("commit")) && !seen.contains(l.seq())) {
                step.fail("seq " + l.seq() + ": no opening for this sealed ballot", l.seq());
            }
        }
    }

    void checkTally(Step step, Manifest mf, List<Party> roster, byte[] tallyJson, Map<Long, String> openings) {
        Map<String, Party> byId = new LinkedHashMap<>();
        Set<String> partIds = new HashSet<>();
        W total = new W();
        for (Party p : roster) {
            if (byId.containsKey(p.party())) {
                step.fail("the roster cannot form an electorate: party ref " + p.party() + " appears twice");
                return;
            }
            if (p.areaCents() <= 0) {
                step.fail("the roster cannot form an electorate: party " + p.party() + " has an invalid area " + p.areaCents());
                return;
            }
            for (String id : p.parts()) {
                if (!partIds.add(id)) {
                    step.fail("the roster cannot form an electorate: part " + id + " belongs to two parties");
                    return;
                }
            }
            byId.put(p.party(), p);
            total.add(p.areaCents());
        }
        boolean sealed = "sealed".equals(mf.secrecy);
        boolean full = !sealed || openings != null;
        List<Line> ballots = new ArrayList<>();
        for (Line l : lines) if (counted(l.entry()) && isStr(l.entry().get("matter"))) ballots.add(l); // §10.1: ballot and paper_ballot
        if (sealed && openings != null) {
            List<Long> missing = new ArrayList<>();
            for (Line l : ballots) if (!openings.containsKey(l.seq())) missing.add(l.seq());
            if (!missing.isEmpty()) {
                long[] ms = missing.stream().mapToLong(Long::longValue).toArray();
                step.fail("the choices of " + missing.size() + " sealed ballot(s) are unknown (no opening that opens, see V11)", ms);
            }
        }
        if (!full) step.note("sealed mode without openings: electorate and participation recomputed from the weights; the choices need openings");

        List<Line> tallies = new ArrayList<>();
        for (Line l : lines) if (l.entry() != null && "tally".equals(l.entry().get("type"))) tallies.add(l);
        // §10: the close entry lists the parties served with the ballot letter (non-voter rule).
        served.clear();
        for (Line l : lines) {
            if (l.entry() != null && "close".equals(l.entry().get("type")) && l.entry().get("served") instanceof List<?> list) {
                for (Object o : list) if (o instanceof String p) served.add(p);
            }
        }

        for (Matter m : mf.matters) {
            try {
                Recount r = tally(mf, m, byId, total, inputs(m, ballots, Long.MAX_VALUE, sealed, openings));
                recountSummary.add("recount " + m.key() + ": " + (full ? r.outcome + ", " : "") + r.participation.parties + " parties / " + formatArea(r.participation.area) + " m² took part" + (full ? "" : " (choices sealed)"));
            } catch (EngineError e) {
                // reported per tally entry below
            }
        }

        // §10.5: consent of the owners of occupied parts, on every non-consultation matter.
        Set<String> occupied = new HashSet<>(mf.occupiedParts);
        List<String> required = new ArrayList<>();
        for (Party p : roster) {
            for (String part : p.parts()) {
                if (occupied.contains(part)) {
                    if (!required.contains(p.party())) required.add(p.party());
                    break;
                }
            }
        }
        List<Matter> consentMatters = new ArrayList<>();
        if (!occupied.isEmpty()) for (Matter m : mf.matters) if (!"consultation".equals(m.category())) consentMatters.add(m);

        for (Line t : tallies) {
            Map<String, Object> e = t.entry();
            String at = "seq " + t.seq();
            checkConsent(step, mf, t, consentMatters, required, byId, total, ballots, sealed, openings, full);
            if (!isStr(e.get("engine"))) step.fail(at + ": the tally entry does not name its engine", t.seq());
            else step.note(at + ": tally by " + e.get("engine") + ", stage " + show(e.get("stage")));
            Map<String, Object> results = obj(e.get("results"));
            if (results == null) {
                step.fail(at + ": the tally entry has no results", t.seq());
                continue;
            }
            List<String> keys = new ArrayList<>();
            for (Matter m : mf.matters) keys.add(m.key());
            List<String> extra = new ArrayList<>();
            for (String k : results.keySet()) if (!keys.contains(k)) extra.add(k);
            if (!extra.isEmpty()) step.fail(at + ": results for matters not in the manifest: " + String.join(", ", extra), t.seq());
            for (Matter m : mf.matters) {
                Map<String, Object> claimed = obj(results.get(m.key()));
                if (claimed == null) {
                    step.fail(at + ": no result for matter " + m.key(), t.seq());
                    continue;
                }
                Recount r;
                try {
                    r = tally(mf, m, byId, total, inputs(m, ballots, t.seq(), sealed, openings));
                } catch (EngineError err) {
                    step.fail(at + ": the engine refused the ballots of matter " + m.key() + ": " + err.getMessage(), t.seq());
                    continue;
                }
                if (full) {
                    if (!canonOrNull(r.contract).equals(canonOrNull(claimed))) step.fail(at + ": matter " + m.key() + ": the recount differs: " + canonOrNull(r.contract), t.seq());
                } else {
                    for (String p : weightsOnly(r, claimed, mf.spoilt)) step.fail(at + ": matter " + m.key() + ": " + p, t.seq());
                }
            }
        }

        Line last = tallies.isEmpty() ? null : tallies.get(tallies.size() - 1);
        if (tallyJson == null) {
            if (last != null) step.fail("tally.json is missing, but the log has a tally entry (seq " + last.seq() + ")", last.seq());
        } else {
            Map<String, Object> json = obj(parseJson(utf8(tallyJson)));
            if (json == null || obj(json.get("matters")) == null) step.fail("tally.json is not {\"matters\": {…}}");
            else if (last == null) step.fail("tally.json exists, but the log has no tally entry");
            else {
                if (!canonOrNull(json.get("matters")).equals(canonOrNull(last.entry().get("results")))) step.fail("tally.json differs from the tally entry (seq " + last.seq() + ")", last.seq());
                // §11: tally.json's consent is the last tally entry's (both absent is equal).
                if (!canonOrNull(json.get("consent")).equals(canonOrNull(last.entry().get("consent")))) step.fail("tally.json's consent differs from the tally entry's (seq " + last.seq() + ")", last.seq());
            }
        }
        if (last == null && tallyJson == null) step.skip("the log has no tally entry yet (the vote is not closed): nothing to compare", true);
    }

    /** §10.5 and §12 V10: the tally entry's consent object. */
    void checkConsent(Step step, Manifest mf, Line t, List<Matter> consentMatters, List<String> required, Map<String, Party> byId, W total,
            List<Line> ballots, boolean sealed, Map<Long, String> openings, boolean full) {
        Map<String, Object> e = t.entry();
        String at = "seq " + t.seq();
        if (consentMatters.isEmpty()) {
            if (e.containsKey("consent")) step.fail(at + ": consent without occupied parts in the manifest", t.seq());
            return;
        }
        Map<String, Object> consent = obj(e.get("consent"));
        if (consent == null) {
            step.fail(at + ": no consent object although the manifest has occupied parts", t.seq());
            return;
        }
        Set<String> keys = new HashSet<>();
        for (Matter m : consentMatters) keys.add(m.key());
        for (String k : consent.keySet()) if (!keys.contains(k)) step.fail(at + ": consent for " + k + ", which needs none", t.seq());
        List<String> rosterOrder = new ArrayList<>(byId.keySet());
        for (Matter m : consentMatters) {
            Map<String, Object> claimed = obj(consent.get(m.key()));
            if (claimed == null) {
                step.fail(at + ": no consent for matter " + m.key(), t.seq());
                continue;
            }
            Recount r;
            try {
                r = tally(mf, m, byId, total, inputs(m, ballots, t.seq(), sealed, openings));
            } catch (EngineError err) {
                continue; // reported with the matter's result
            }
            if (full) {
                List<Object> given = new ArrayList<>();
                for (String p : rosterOrder) if (r.yes.contains(p) && required.contains(p)) given.add(p);
                Map<String, Object> want = new LinkedHashMap<>();
                want.put("required", new ArrayList<Object>(required));
                want.put("given", given);
                want.put("satisfied", given.containsAll(required));
                if (!canonOrNull(want).equals(canonOrNull(claimed))) step.fail(at + ": matter " + m.key() + ": consent differs from the recount " + canonOrNull(want), t.seq());
                continue;
            }
            for (String k : claimed.keySet()) {
                if (!k.equals("given") && !k.equals("required") && !k.equals("satisfied")) step.fail(at + ": matter " + m.key() + ": consent has the key " + k, t.seq());
            }
            if (!canonOrNull(claimed.get("required")).equals(canonOrNull(new ArrayList<Object>(required)))) step.fail(at + ": matter " + m.key() + ": consent.required is not the parties of the occupied parts", t.seq());
            boolean givenOk = claimed.get("given") instanceof List<?>;
            int last = -1;
            if (givenOk) {
                for (Object p : (List<?>) claimed.get("given")) {
                    int idx = p instanceof String ps && r.voted.contains(ps) && required.contains(ps) ? rosterOrder.indexOf(ps) : -1;
                    if (idx <= last) {
                        givenOk = false;
                        break;
                    }
                    last = idx;
                }
            }
            if (!givenOk) step.fail(at + ": matter " + m.key() + ": consent.given must list required parties that voted, in roster order, once each", t.seq());
            else if (!(claimed.get("satisfied") instanceof Boolean sat) || sat != ((List<?>) claimed.get("given")).containsAll(required)) {
                step.fail(at + ": matter " + m.key() + ": consent.satisfied does not follow from given and required", t.seq());
            }
        }
    }

    List<BallotIn> inputs(Matter m, List<Line> ballots, long before, boolean sealed, Map<Long, String> openings) {
        List<BallotIn> in = new ArrayList<>();
        for (Line l : ballots) {
            Map<String, Object> e = l.entry();
            if (l.seq() >= before || !m.key().equals(e.get("matter"))) continue;
            Object choice = !sealed ? e.get("choice") : openings != null ? openings.get(l.seq()) : "abstain";
            if (!(choice instanceof String c)) continue;
            String channel = "proxy".equals(e.get("channel")) ? "proxy" : "paper_ballot".equals(e.get("type")) ? "paper" : e.get("channel") instanceof String ch ? ch : "online";
            in.add(new BallotIn(l.seq(), e.get("party") instanceof String p ? p : null, c, channel));
        }
        return in;
    }


    // =========================================================================================
    // V12: credentials (§4.5, §12)

    static final List<String> PARTY_KINDS = List.of("invite", "phone_binding", "certificate_binding", "letter", "letter_reissue", "proxy");
    static final List<String> STAFF_KINDS = List.of("clerk", "auditor");
    static final Pattern ISSUER = Pattern.compile("^(?:[a-z_]+:[A-Z2-7]{16}|unknown)$");
    /** §12 V12: the credential kinds a counted ballot may be cast with, by channel. */
    static final Map<String, List<String>> KINDS_BY_CHANNEL = Map.of(
            "online", List.of("invite", "phone_binding", "certificate_binding", "letter", "letter_reissue"),
            "paper", List.of("letter", "letter_reissue"),
            "proxy", List.of("proxy"));

    static boolean isKind(Object k) { return k instanceof String str && (PARTY_KINDS.contains(str) || STAFF_KINDS.contains(str)); }

    static boolean isPartyKind(Object k) { return k instanceof String str && PARTY_KINDS.contains(str); }

    void checkCredentials(Step step, Manifest mf, Map<String, Party> roster) {
        Map<Long, Map<String, Object>> creds = new HashMap<>();
        Map<Long, Long> revokedAt = new HashMap<>(); // credential seq -> seq of the entry that revoked it
        boolean ownerWins = ownerWins(mf);
        Map<String, Long> ownerVoted = new HashMap<>(); // party -> its first counted ballot not on channel proxy
        Long closeSeq = null;
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (e == null || !(e.get("type") instanceof String type)) continue;
            long seq = l.seq();
            String at = "seq " + seq;
            if (type.equals("close") && closeSeq == null) closeSeq = seq;
            if (type.equals("credential")) {
                if (closeSeq != null) step.fail(at + ": a credential after the close at seq " + closeSeq, seq);
                Object kind = e.get("kind");
                if (!isKind(kind)) step.fail(at + ": kind " + show(kind) + " is not a credential kind", seq);
                if (!(e.get("issuer") instanceof String is && ISSUER.matcher(is).matches())) step.fail(at + ": issuer " + show(e.get("issuer")) + " is not <role>:<16 base32> or unknown", seq);
                if (!(e.get("created_at") instanceof String ca && instant(ca) != null)) step.fail(at + ": created_at " + show(e.get("created_at")) + " is not a time", seq);
                if (isPartyKind(kind)) {
                    if (!(e.get("party") instanceof String p && (roster == null || roster.containsKey(p)))) step.fail(at + ": a " + kind + " credential for " + show(e.get("party")) + ", not a roster party", seq);
                    if (e.containsKey("holder")) step.fail(at + ": a party's credential has a holder", seq);
                } else if (isKind(kind)) {
                    if (e.containsKey("party")) step.fail(at + ": a " + kind + " credential names a party", seq);
                    if (!(e.get("holder") instanceof String h && HOLDER.matcher(h).matches())) step.fail(at + ": holder " + show(e.get("holder")) + " is not 16 base32 symbols", seq);
                }
                if ("proxy".equals(kind)) {
                    Object ref = e.get("proxy");
                    Map<String, Object> t = isCount(ref) && count(ref) < seq ? lines.get((int) count(ref)).entry() : null;
                    if (t == null || !"proxy".equals(t.get("type")) || !Objects.equals(t.get("party"), e.get("party"))) step.fail(at + ": a proxy credential without an earlier proxy entry of its party (proxy " + show(ref) + ")", seq);
                } else if (e.containsKey("proxy")) {
                    step.fail(at + ": a " + show(kind) + " credential names a proxy entry", seq);
                }
                if (e.containsKey("revokes")) {
                    Object ref = e.get("revokes");
                    revoke(step, creds, revokedAt, ref, seq);
                    Map<String, Object> old = isCount(ref) ? creds.get(count(ref)) : null;
                    if (old != null && (!Objects.equals(old.get("party"), e.get("party")) || !Objects.equals(old.get("holder"), e.get("holder")))) {
                        step.fail(at + ": revokes seq " + count(ref) + ", a credential of another party or holder", seq);
                    }
                }
                if ("letter_reissue".equals(kind)) {
                    Object ref = e.get("revokes");
                    Map<String, Object> old = isCount(ref) ? creds.get(count(ref)) : null;
                    if (old == null || !("letter".equals(old.get("kind")) || "letter_reissue".equals(old.get("kind")))) step.fail(at + ": a letter_reissue must revoke an earlier letter, not " + show(ref), seq);
                }
                creds.put(seq, e);
                continue;
            }
            if (type.equals("revocation")) {
                if (closeSeq != null) step.fail(at + ": a revocation after the close at seq " + closeSeq, seq);
                if (!(e.get("reason") instanceof String r) || blank(r)) step.fail(at + ": a revocation without a reason", seq);
                revoke(step, creds, revokedAt, e.get("credential"), seq);
                continue;
            }
            if (type.equals("objection")) {
                if (!(e.get("party") instanceof String p && (roster == null || roster.containsKey(p)))) step.fail(at + ": an objection for " + show(e.get("party")) + ", not a roster party", seq);
                boolean ok = e.get("disputes") instanceof List<?>;
                if (ok) {
                    for (Object d : (List<?>) e.get("disputes")) {
                        Map<String, Object> t = isCount(d) && count(d) < seq ? lines.get((int) count(d)).entry() : null;
                        if (!counted(t) || !Objects.equals(t.get("party"), e.get("party"))) ok = false;
                    }
                }
                if (!ok) step.fail(at + ": disputes must list earlier ballots of the objecting party, not " + show(e.get("disputes")), seq);
                continue;
            }
            boolean isCounted = COUNTED.contains(type);
            boolean rejectedWithCredential = type.equals("ballot_rejected") && e.containsKey("credential");
            if (!isCounted && !rejectedWithCredential) continue;
            Object ref = e.get("credential");
            String problem = unusable(creds, revokedAt, ref, seq);
            if (!isCounted) {
                // The box refused it: only that it names a credential of the log.
                if (!(isCount(ref) && creds.containsKey(count(ref)))) step.fail(at + ": " + problem, seq);
                continue;
            }
            if (problem != null) {
                step.fail(at + ": " + (e.containsKey("credential") ? problem : "names no credential"), seq);
            } else {
                Map<String, Object> cred = creds.get(count(ref));
                String channel = "paper_ballot".equals(type) && !"proxy".equals(e.get("channel")) ? "paper" : e.get("channel") instanceof String ch ? ch : null;
                List<String> kinds = channel == null ? null : KINDS_BY_CHANNEL.get(channel);
                if (!Objects.equals(cred.get("party"), e.get("party"))) step.fail(at + ": cast for " + show(e.get("party")) + " with credential seq " + count(ref) + " of " + show(cred.get("party")), seq);
                else if (kinds == null || !(cred.get("kind") instanceof String k && kinds.contains(k))) step.fail(at + ": channel " + show(e.get("channel")) + " cannot use a " + show(cred.get("kind")) + " credential (seq " + count(ref) + ")", seq);
                else if ("proxy".equals(cred.get("kind")) && !Objects.equals(cred.get("proxy"), e.get("proxy"))) step.fail(at + ": names proxy " + show(e.get("proxy")) + ", its credential seq " + count(ref) + " proxy " + show(cred.get("proxy")), seq);
            }
            if (!(e.get("party") instanceof String party)) continue;
            if (type.equals("paper_ballot")) {
                Object refs = e.get("clerk_credentials");
                List<?> clerks = e.get("clerks") instanceof List<?> cl ? cl : List.of();
                if (!(refs instanceof List<?> rl) || rl.size() != 2 || Objects.equals(rl.get(0), rl.get(1))) {
                    step.fail(at + ": clerk_credentials must be two different credential seqs, not " + show(refs), seq);
                } else {
                    for (int k = 0; k < 2; k++) {
                        Object r = rl.get(k);
                        String why = unusable(creds, revokedAt, r, seq);
                        Object clerk = k < clerks.size() ? clerks.get(k) : null;
                        if (why != null) step.fail(at + ": clerk " + (k + 1) + " " + why, seq);
                        else if (!"clerk".equals(creds.get(count(r)).get("kind"))) step.fail(at + ": clerk " + (k + 1) + "'s credential seq " + count(r) + " is not a clerk's", seq);
                        else if (!Objects.equals(creds.get(count(r)).get("holder"), clerk)) step.fail(at + ": clerk " + show(clerk) + " does not hold credential seq " + count(r), seq);
                    }
                }
            }
            boolean proxy = "proxy".equals(e.get("channel"));
            if (ownerWins && proxy && ownerVoted.containsKey(party)) step.fail(at + ": a proxy holder's ballot after the owner's own at seq " + ownerVoted.get(party) + " (owner_wins)", seq);
            if (!proxy && !ownerVoted.containsKey(party)) ownerVoted.put(party, seq);
        }
    }

    /** Why the credential {@code ref} cannot cast a ballot at {@code seq}, or null when it is live. */
    static String unusable(Map<Long, Map<String, Object>> creds, Map<Long, Long> revokedAt, Object ref, long seq) {
        if (!isCount(ref) || count(ref) >= seq || !creds.containsKey(count(ref))) return "names credential " + show(ref) + ", not an earlier credential entry";
        Long by = revokedAt.get(count(ref));
        if (by != null && by < seq) return "was cast with credential seq " + count(ref) + ", revoked at seq " + by;
        return null;
    }

    static void revoke(Step step, Map<Long, Map<String, Object>> creds, Map<Long, Long> revokedAt, Object target, long by) {
        if (!(isCount(target) && count(target) < by && creds.containsKey(count(target)))) {
            step.fail("seq " + by + ": revokes " + show(target) + ", not an earlier credential entry", by);
            return;
        }
        long t = count(target);
        if (revokedAt.containsKey(t)) step.fail("seq " + by + ": revokes seq " + t + ", already revoked at seq " + revokedAt.get(t), by);
        else revokedAt.put(t, by);
    }

    // =========================================================================================
    // V13: the participation list (§11)

    void checkParticipation(Step step, boolean required, byte[] bytes, List<Party> roster) {
        if (bytes == null) {
            if (required) step.fail("participation.jsonl is missing");
            else step.skip("no participation.jsonl (a log from before the participation list)", true);
            return;
        }
        if (roster == null) {
            step.skip("cannot check: the roster is unusable (see V8)", false);
            return;
        }
        // Per party: its first ballot or paper_ballot (seq, at) and the channels of all of them.
        Map<String, Line> first = new HashMap<>();
        Map<String, TreeSet<String>> channels = new HashMap<>();
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (!counted(e) || !(e.get("party") instanceof String p) || !(e.get("channel") instanceof String ch)) continue;
            first.putIfAbsent(p, l);
            channels.computeIfAbsent(p, x -> new TreeSet<>()).add(ch);
        }
        List<String> want = new ArrayList<>();
        List<Long> wantSeq = new ArrayList<>();
        for (Party p : roster) {
            Line f = first.get(p.party());
            if (f == null) continue;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("party", p.party());
            line.put("parts", new ArrayList<Object>(p.parts()));
            line.put("channels", new ArrayList<Object>(channels.get(p.party())));
            line.put("seq", (double) f.seq());
            line.put("at", f.entry().get("at") instanceof String a ? a : "");
            want.add(canonOrNull(line));
            wantSeq.add(f.seq());
        }
        String text = utf8(bytes);
        if (text == null) {
            step.fail("participation.jsonl is not UTF-8");
            return;
        }
        if (!text.isEmpty() && !text.endsWith("\n")) step.fail("participation.jsonl does not end with a newline");
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        List<String> got = text.isEmpty() ? List.of() : Arrays.asList(body.split("\n", -1));
        Set<String> gotSet = new HashSet<>(got), wantSet = new HashSet<>(want);
        for (int k = 0; k < want.size(); k++) if (!gotSet.contains(want.get(k))) step.fail("participation.jsonl lacks " + want.get(k), wantSeq.get(k));
        for (int k = 0; k < got.size(); k++) if (!wantSet.contains(got.get(k))) step.fail("participation.jsonl line " + (k + 1) + " does not follow from the log: " + got.get(k));
        if (step.ok && !got.equals(want)) step.fail("participation.jsonl is not in roster order, or repeats a line");
    }

    // =========================================================================================
    // §12.1: the issuer report

    List<String> issuerReport = null;

    static final class IssuerLine {
        final String issuer;
        final TreeMap<String, Long> kinds = new TreeMap<>();
        long before, after, within24h, disputed;
        IssuerLine(String issuer) { this.issuer = issuer; }
    }

    List<String> issuerReport(String opensAt) {
        long[] opens = opensAt == null || opensAt.isEmpty() ? null : instant(opensAt);
        record Cred(String issuer, long[] created) {}
        Map<Long, Cred> creds = new HashMap<>();
        Map<String, IssuerLine> issuers = new LinkedHashMap<>();
        Map<Long, long[]> firstUse = new LinkedHashMap<>(); // credential seq -> `at` of its first ballot (null: not a time)
        Set<Long> firstUseSeen = new HashSet<>();
        Map<Long, Long> ballotCredential = new HashMap<>(); // ballot seq -> the credential it names, if one of the log
        Set<Long> disputed = new java.util.LinkedHashSet<>();
        List<Long> samePairs = new ArrayList<>();
        long objections = 0;
        for (Line l : lines) {
            Map<String, Object> e = l.entry();
            if (e == null) continue;
            Object type = e.get("type");
            if ("credential".equals(type) && e.get("issuer") instanceof String issuer && e.get("kind") instanceof String kind) {
                long[] created = e.get("created_at") instanceof String c ? instant(c) : null;
                creds.put(l.seq(), new Cred(issuer, created));
                IssuerLine il = issuers.computeIfAbsent(issuer, IssuerLine::new);
                il.kinds.merge(kind, 1L, Long::sum);
                if (created != null && opens != null && cmp(created, opens) < 0) il.before++;
                else il.after++;
                continue;
            }
            if ("objection".equals(type)) {
                objections++;
                if (e.get("disputes") instanceof List<?> ds) for (Object d : ds) if (isCount(d)) disputed.add(count(d));
                continue;
            }
            if (!counted(e)) continue;
            long[] at = e.get("at") instanceof String a ? instant(a) : null;
            List<Long> used = new ArrayList<>();
            Object ref = e.get("credential");
            if (isCount(ref) && creds.containsKey(count(ref))) {
                used.add(count(ref));
                ballotCredential.put(l.seq(), count(ref));
            }
            if (e.get("clerk_credentials") instanceof List<?> cc) for (Object c : cc) if (isCount(c) && creds.containsKey(count(c))) used.add(count(c));
            for (long c : used) {
                if (firstUseSeen.add(c)) firstUse.put(c, at);
            }
            if ("paper_ballot".equals(type) && e.get("clerk_credentials") instanceof List<?> cc && cc.size() == 2) {
                Cred a = isCount(cc.get(0)) ? creds.get(count(cc.get(0))) : null;
                Cred b = isCount(cc.get(1)) ? creds.get(count(cc.get(1))) : null;
                if (a != null && b != null && a.issuer().equals(b.issuer()) && inWindow(a.created(), opens) && inWindow(b.created(), opens)) samePairs.add(l.seq());
            }
        }
        for (Map.Entry<Long, long[]> u : firstUse.entrySet()) {
            Cred c = creds.get(u.getKey());
            long[] at = u.getValue();
            if (at == null || c.created() == null || cmp(at, c.created()) < 0) continue;
            if (cmp(at, new long[] {c.created()[0] + 86400, c.created()[1]}) < 0) issuers.get(c.issuer()).within24h++;
        }
        for (long d : disputed) {
            Long c = ballotCredential.get(d);
            if (c != null) issuers.get(creds.get(c).issuer()).disputed++;
        }
        List<String> out = new ArrayList<>();
        out.add("issuers: credentials created before / after the window opened, used to vote within 24 h, ballots disputed");
        if (issuers.isEmpty()) out.add("  (no credential entries)");
        for (IssuerLine il : issuers.values()) {
            List<String> kinds = new ArrayList<>();
            for (Map.Entry<String, Long> k : il.kinds.entrySet()) kinds.add(k.getKey() + " " + k.getValue());
            out.add("  " + il.issuer + "  before " + il.before + "  after " + il.after + "  within 24 h " + il.within24h + "  disputed " + il.disputed + "  (" + String.join(", ", kinds) + ")");
        }
        out.add("objections: " + objections);
        if (!samePairs.isEmpty()) {
            List<String> ss = new ArrayList<>();
            for (long x : samePairs) ss.add(String.valueOf(x));
            out.add("paper ballots entered by two clerks one issuer appointed during the window: seq " + String.join(", ", ss));
        }
        return out;
    }

    /** §12.1: created at or after the window opened, or at a time that is not one. */
    static boolean inWindow(long[] created, long[] opens) { return opens == null || created == null || cmp(created, opens) >= 0; }

    // =========================================================================================
    // Output and main

    static String ranges(TreeSet<Long> seqs) {
        List<String> out = new ArrayList<>();
        List<Long> l = new ArrayList<>(seqs);
        for (int k = 0; k < l.size(); ) {
            int j = k;
            while (j + 1 < l.size() && l.get(j + 1) == l.get(j) + 1) j++;
            out.add(j == k ? String.valueOf(l.get(k)) : l.get(k) + "-" + l.get(j));
            k = j + 1;
        }
        return String.join(", ", out);
    }

    static Map<String, byte[]> readTree(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        walk(dir, "", files);
        return files;
    }

    static void walk(Path abs, String rel, Map<String, byte[]> files) throws IOException {
        List<Path> children = new ArrayList<>();
        try (var st = Files.list(abs)) {
            st.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path p : children) {
            String key = rel.isEmpty() ? p.getFileName().toString() : rel + "/" + p.getFileName();
            if (Files.isDirectory(p)) walk(p, key, files);
            else if (Files.isRegularFile(p)) files.put(key, Files.readAllBytes(p));
        }
    }

    public static void main(String[] args) {
        String usage = "usage: java test/independent/Verifier.java DIR [--openings FILE] [--receipt FILE]";
        String dir = null, openings = null, receipt = null;
        for (int k = 0; k < args.length; k++) {
            String a = args[k];
            if (a.equals("--openings") && k + 1 < args.length) openings = args[++k];
            else if (a.equals("--receipt") && k + 1 < args.length) receipt = args[++k];
            else if (!a.startsWith("--") && dir == null) dir = a;
            else {
                System.err.println(usage);
                System.exit(2);
            }
        }
        if (dir == null) {
            System.err.println(usage);
            System.exit(2);
        }
        Map<String, byte[]> files;
        byte[] openingsBytes = null, receiptBytes = null;
        try {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                System.err.println("not a folder: " + dir);
                System.exit(2);
            }
            files = readTree(d);
            if (openings != null) openingsBytes = Files.readAllBytes(Path.of(openings));
            if (receipt != null) receiptBytes = Files.readAllBytes(Path.of(receipt));
        } catch (IOException e) {
            System.err.println("cannot read: " + e.getMessage());
            System.exit(2);
            return;
        }
        Verifier v = new Verifier();
        v.verify(files, openingsBytes, receiptBytes);
        StringBuilder out = new StringBuilder();
        out.append("independent verifier (Java) ").append(dir).append(" · ").append(v.lines.size()).append(" entries\n");
        List<String> failed = new ArrayList<>();
        for (Step st : v.s.values()) {
            if (!st.ok) {
                failed.add(st.id);
                out.append(st.id).append(" FAIL").append(st.seqs.isEmpty() ? "" : " seq " + ranges(st.seqs)).append('\n');
                for (String d : st.details) out.append("    ").append(d).append('\n');
                for (String n : st.notes) out.append("    ").append(n).append('\n');
            } else if (st.skipped) {
                out.append(st.id).append(" skip ").append(String.join("; ", st.notes)).append('\n');
            } else {
                out.append(st.id).append(" ok").append('\n');
                for (String n : st.notes) out.append("    ").append(n).append('\n');
            }
        }
        for (String r : v.recountSummary) out.append(r).append('\n');
        if (v.issuerReport != null) for (String r : v.issuerReport) out.append(r).append('\n');
        // §12: the result line, with the steps that passed as not applicable.
        List<String> notApplicable = new ArrayList<>();
        for (Step st : v.s.values()) if (st.ok && st.skipped) notApplicable.add(st.id);
        out.append(!failed.isEmpty() ? "result: FAILED — " + String.join(", ", failed)
                : !notApplicable.isEmpty() ? "result: OK — every step that applies passed (not applicable: " + String.join(", ", notApplicable) + ")"
                : "result: OK — every step passed").append('\n');
        System.out.print(out);
        System.out.flush();
        System.exit(failed.isEmpty() ? 0 : 1);
    }
}
