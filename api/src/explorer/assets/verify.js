// Congress Ledger: the act verifier that runs in the inspector's browser (issue 14).
// It trusts nothing the server says: every step below is decided here, with the log key the
// inspector pinned. The byte layouts are docs/FORMAT.md's (§1–§4); the rules of who may sign
// what come from the same catalogue the library uses (injected below when served).
// No build step, no network but the origin this page came from (or none at all, offline).

const CATALOGUE = /*{{catalogue}}*/ null;

// ---- language ------------------------------------------------------------------------------
const LANG = (() => {
  const el = typeof document !== "undefined" && document.getElementById("verify");
  const l = (el && el.dataset.lang) || (typeof document !== "undefined" && document.documentElement.lang) || "vi";
  return l.startsWith("en") ? "en" : "vi";
})();
const t = (vi, en) => (LANG === "en" ? en : vi);

// ---- bytes ---------------------------------------------------------------------------------
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
function hexToBytes(hex) {
  if (typeof hex !== "string" || hex.length % 2 || /[^0-9a-f]/.test(hex)) throw new Error(t("không phải hex", "not hex"));
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function b64ToBytes(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// ---- crypto: WebCrypto where it exists, else the vendored library ---------------------------
const subtle = globalThis.crypto && globalThis.crypto.subtle;
// The vendored audited library (vendor/noble.js, a classic script the page loads first).
let vendored = globalThis.CongressLedgerNoble || null;
export function useVendored(lib) { vendored = lib; }

async function sha256(bytes) {
  if (subtle) return new Uint8Array(await subtle.digest("SHA-256", bytes));
  if (vendored) return vendored.sha256(bytes);
  throw new Error(t("trình duyệt này không có SHA-256 (cần HTTPS hoặc localhost)", "this browser offers no SHA-256 (HTTPS or localhost needed)"));
}

let webcryptoEd25519 = null;
async function hasWebCryptoEd25519() {
  if (webcryptoEd25519 !== null) return webcryptoEd25519;
  webcryptoEd25519 = false;
  if (subtle) {
    try {
      await subtle.importKey("raw", new Uint8Array(32).fill(0x11), { name: "Ed25519" }, false, ["verify"]);
      webcryptoEd25519 = true;
    } catch (e) {
      // "NotSupportedError": no Ed25519 here; a DataError would mean the key, not support.
      webcryptoEd25519 = e && e.name !== "NotSupportedError";
    }
  }
  return webcryptoEd25519;
}

/** Which implementation decides signatures here. */
export async function cryptoUsed() {
  if (await hasWebCryptoEd25519()) return "WebCrypto";
  if (vendored) return vendored.name;
  return null;
}

// Every encoding (y < p) of a small-order point: the eight torsion points, each also with the
// sign bit flipped — the set ledger/src/crypto.rs refuses.
const SMALL_ORDER = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
];
const yNotReduced = (e) => (e[31] & 0x7f) === 0x7f && e.subarray(1, 31).every((b) => b === 0xff) && e[0] >= 0xed;
const smallOrder = (e) => SMALL_ORDER.includes(toHex(e));
// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ELL = hexToBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
function scalarCanonical(s) {
  for (let i = 31; i >= 0; i--) {
    if (s[i] < ELL[i]) return true;
    if (s[i] > ELL[i]) return false;
  }
  return false; // s == ℓ
}

/**
 * Ed25519 as strictly as ed25519-dalek's `verify_strict`: a weak (small-order) or unreduced key,
 * an R that is small-order or unreduced, and a non-canonical S are refused here, before the
 * equation is checked by WebCrypto (or the vendored library), whichever is laxer.
 */
export async function ed25519Verify(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const r = signature.subarray(0, 32);
  const s = signature.subarray(32);
  if (smallOrder(publicKey) || yNotReduced(publicKey)) return false;
  if (smallOrder(r) || yNotReduced(r)) return false;
  if (!scalarCanonical(s)) return false;
  if (await hasWebCryptoEd25519()) {
    try {
      const key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      return await subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch {
      return false; // a key that does not decode to a point
    }
  }
  if (vendored) {
    try {
      return await vendored.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  }
  throw new Error(t("trình duyệt này không kiểm được chữ ký Ed25519", "this browser cannot check Ed25519 signatures"));
}

// ---- the format ----------------------------------------------------------------------------
class Reader {
  constructor(bytes) { this.b = bytes; this.o = 0; }
  take(n) {
    if (n > this.b.length - this.o) throw new Error(t("dữ liệu bị cắt cụt", "truncated"));
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u16() { const b = this.take(2); return b[0] | (b[1] << 8); }
  u64() {
    const b = this.take(8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(t("số quá lớn", "number too large"));
    return Number(v);
  }
  i64() {
    const b = this.take(8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return Number(BigInt.asIntN(64, v));
  }
  bytes() { return this.take(this.u64()); }
  str() { return dec.decode(this.bytes()); }
  done() { return this.o === this.b.length; }
}

/** A signed event (§2): its body fields, the body's bytes and the signature. */
export function decodeEvent(bytes) {
  const r = new Reader(bytes);
  const format = r.u16();
  if (format !== 1) throw new Error(t(`định dạng ${format} không biết`, `unknown format ${format}`));
  const ledger = r.str(), stream = r.str(), version = r.u64(), prev = toHex(r.take(32));
  const kind = r.str(), schema = r.u16(), time = r.i64(), signer = r.take(32), payloadBytes = r.bytes();
  const bodyLen = r.o;
  const signature = r.take(64);
  if (!r.done()) throw new Error(t("có byte thừa sau chữ ký", "bytes after the signature"));
  const payload = JSON.parse(dec.decode(payloadBytes));
  return { ledger, stream, version, prev, kind, schema, time, signer, payload, body: bytes.subarray(0, bodyLen), signature, bytes };
}

/** An entry (§3): position, received time and the signed event. */
export function decodeEntry(bytes) {
  const r = new Reader(bytes);
  const position = r.u64(), received = r.i64(), event = r.bytes();
  if (!r.done()) throw new Error(t("có byte thừa sau mục", "bytes after the entry"));
  return { position, received, event: decodeEvent(event), eventBytes: event };
}

const EVENT_DOMAIN = concat(enc.encode("congress-ledger/event/v1"), new Uint8Array([0]));
export const eventHash = (ev) => sha256(ev.bytes).then(toHex);
export const eventSignatureHolds = (ev) => ed25519Verify(ev.signer, concat(EVENT_DOMAIN, ev.body), ev.signature);

// ---- Merkle (RFC 9162 §2.1) ----------------------------------------------------------------
const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));
const half = (n) => Math.floor(n / 2);
const odd = (n) => n % 2 === 1;

export async function verifyInclusion(leaf, index, size, path, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

export async function verifyConsistency(oldSize, newSize, path, oldRoot, newRoot) {
  if (oldSize > newSize) return false;
  if (oldSize === newSize) return path.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0) return path.length === 0;
  if (path.length === 0) return false;
  const powerOfTwo = (oldSize & (oldSize - 1)) === 0 && oldSize < 2 ** 31;
  const p = powerOfTwo ? [oldRoot, ...path] : path;
  let fn = oldSize - 1, sn = newSize - 1;
  while (odd(fn)) { fn = half(fn); sn = half(sn); }
  let fr = p[0], sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn); sn = half(sn);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

// ---- keys and notes (§3.2) -----------------------------------------------------------------
/** `<name>+<id hex>+<base64(type ‖ key)>`; `type` 0x01 for the log key, 0x04 for a witness. */
export async function parseKey(text, type) {
  // The name holds no `+`; the base64 after the id may.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(String(text).trim());
  const parts = m ? m.slice(1) : [];
  if (parts.length !== 3) throw new Error(t("khóa phải có dạng tên+mã+base64", "a key reads name+id+base64"));
  const raw = b64ToBytes(parts[2]);
  if (raw.length !== 33 || raw[0] !== type) throw new Error(t("khóa không đúng loại Ed25519 này", "not a key of this Ed25519 type"));
  const publicKey = raw.subarray(1);
  const id = (await sha256(concat(enc.encode(parts[0]), new Uint8Array([0x0a, type]), publicKey))).subarray(0, 4);
  if (toHex(id) !== parts[1]) throw new Error(t("mã khóa không khớp với khóa", "the key id does not match the key"));
  return { name: parts[0], id, publicKey, text: String(text).trim() };
}

export function parseNote(text) {
  const cut = text.indexOf("\n\n");
  if (cut < 0) throw new Error(t("điểm kiểm thiếu dòng trống", "the checkpoint has no blank line"));
  const bodyText = text.slice(0, cut + 1);
  const lines = bodyText.split("\n");
  const [origin, sizeText, rootText] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeText || "")) throw new Error(t("thân điểm kiểm không hợp lệ", "malformed checkpoint body"));
  const root = b64ToBytes(rootText || "");
  if (root.length !== 32) throw new Error(t("gốc không phải 32 byte", "the root is not 32 bytes"));
  const signatures = text.slice(cut + 2).split("\n").filter((l) => l.length).map((l) => {
    if (!l.startsWith("\u2014 ")) throw new Error(t("dòng chữ ký không bắt đầu bằng —", "a signature line does not start with —"));
    const [name, b64] = l.slice(2).split(" ");
    return { name, raw: b64ToBytes(b64 || "") };
  });
  return { origin, size: Number(sizeText), root, body: enc.encode(bodyText), signatures };
}

async function noteSignedBy(note, key) {
  for (const s of note.signatures) {
    if (s.name === key.name && s.raw.length === 68 && equal(s.raw.subarray(0, 4), key.id)) {
      if (await ed25519Verify(key.publicKey, note.body, s.raw.subarray(4))) return true;
    }
  }
  return false;
}

async function cosignedBy(note, key) {
  for (const s of note.signatures) {
    if (s.name === key.name && s.raw.length === 76 && equal(s.raw.subarray(0, 4), key.id)) {
      let ts = 0n;
      for (const b of s.raw.subarray(4, 12)) ts = (ts << 8n) | BigInt(b);
      const msg = concat(enc.encode(`cosignature/v1\ntime ${ts}\n`), note.body);
      if (await ed25519Verify(key.publicKey, msg, s.raw.subarray(12))) return true;
    }
  }
  return false;
}

// ---- authority (§4), as the library's registry decides it ----------------------------------
function family(stream) {
  if (stream === "ledger") return "ledger";
  const i = stream.indexOf("/");
  if (i < 0 || i === stream.length - 1) return null;
  const head = stream.slice(0, i);
  return ["org", "congress", "complaint"].includes(head) ? head : null;
}
function covers(scope, stream) {
  if (scope === "*" || scope === stream) return true;
  if (!stream.startsWith(scope)) return false;
  return scope.endsWith("/") || scope.endsWith(".") || stream.slice(scope.length).startsWith("/");
}

class Registry {
  constructor(origin, genesis) {
    const p = genesis.payload;
    if (genesis.stream !== "ledger" || genesis.version !== 0 || genesis.kind !== "ledger.created") throw new Error(t("mục đầu không phải sự kiện khởi tạo", "the first entry is not the genesis event"));
    if (p.origin !== origin || genesis.ledger !== origin) throw new Error(t("sự kiện khởi tạo thuộc sổ cái khác", "the genesis event is of another ledger"));
    this.logKey = p.log_key;
    // The chain of log keys (§4): each with the smallest checkpoint size it signs.
    this.logKeys = [{ key: p.log_key, from: 1 }];
    this.authorities = new Map((p.authorities || []).map((k) => [k, "authority"]));
    this.retired = new Set();
    this.enrollments = new Map();
    this.revoked = new Map();
  }
  apply(ev, position) {
    const p = ev.payload;
    if (ev.kind === "key.enrolled") {
      if (!this.enrollments.has(p.key)) this.enrollments.set(p.key, []);
      this.enrollments.get(p.key).push(p);
    } else if (ev.kind === "key.revoked") {
      const e = this.revoked.get(p.key);
      this.revoked.set(p.key, e === undefined ? p.effective : Math.min(e, p.effective));
    } else if (ev.kind === "authority.added") {
      this.authorities.set(p.key, p.holder);
    } else if (ev.kind === "authority.retired") {
      this.authorities.delete(p.key);
      this.retired.add(p.key);
    } else if (ev.kind === "log_key.rotated") {
      this.logKeys.push({ key: p.log_key, from: position + 1 });
    }
  }
  holder(signer) {
    if (this.authorities.has(signer)) return this.authorities.get(signer);
    const e = this.enrollments.get(signer);
    return e && e.length ? e[e.length - 1].holder : null;
  }
  /** Why `ev` (received at `received`) may not stand as signed, or null. */
  refuses(ev, received, judgedKind) {
    const signer = toHex(ev.signer);
    const spec = CATALOGUE && CATALOGUE.kinds[ev.kind];
    if (!spec) return t(`loại hành vi \`${ev.kind}\` không có trong danh mục`, `kind \`${ev.kind}\` is not in the catalogue`);
    const fam = family(ev.stream);
    if (!fam || (spec.family !== "any" && spec.family !== fam)) return t("hành vi nằm sai luồng", "the act is in the wrong stream");
    if (ev.time > received + CATALOGUE.max_clock_skew_ms) return t("thời điểm ghi ở tương lai", "the claimed time is in the future");
    if (this.authorities.has(signer)) return ev.stream === "ledger" ? null : t("khóa thẩm quyền chỉ ký sổ đăng ký khóa", "an authority key signs only the key registry");
    if (this.retired.has(signer)) return t("khóa thẩm quyền đã thôi", "the authority key was retired");
    const signedBy = judgedKind ? (CATALOGUE.kinds[judgedKind] || {}).signed_by : spec.signed_by;
    let allowed;
    if (signedBy === "any") allowed = CATALOGUE.roles;
    else if (Array.isArray(signedBy)) allowed = signedBy;
    else return t("chỉ cơ quan thẩm quyền của sổ cái được ký", "only an authority of the ledger may sign it");
    const enrollments = this.enrollments.get(signer);
    if (!enrollments) return t("khóa chưa được đăng ký trong sổ cái này", "the key is not enrolled in this ledger");
    const revokedAt = this.revoked.get(signer);
    if (revokedAt !== undefined && received >= revokedAt) return t("khóa đã bị thu hồi", "the key was revoked");
    const inScope = enrollments.filter((e) => covers(e.scope, ev.stream));
    if (!inScope.length) return t("phạm vi của khóa không bao gồm luồng này", "the key's scope does not cover the stream");
    const current = inScope.filter((e) => e.valid_from <= ev.time && (e.valid_until === null || ev.time < e.valid_until));
    if (!current.length) return t("khóa không còn hiệu lực vào thời điểm của hành vi", "the key is not valid at the act's time");
    if (current.some((e) => e.roles.some((r) => allowed.includes(r)))) return null;
    return t(`cần một trong các vai trò [${allowed.join(", ")}]`, `it needs one of the roles [${allowed.join(", ")}]`);
  }
}

// ---- the steps -----------------------------------------------------------------------------
export const STEPS = [
  ["hash", "Các byte của hành vi băm ra đúng mã băm của nó", "The act's bytes hash to its hash"],
  ["signature", "Chữ ký Ed25519 đúng trên thân hành vi", "The Ed25519 signature verifies over the body"],
  ["authority", "Người ký có thẩm quyền ký hành vi này (theo sổ đăng ký khóa, mỗi mục có chứng minh riêng)", "The signer held the authority for it (by the key registry, each entry with its own proof)"],
  ["inclusion", "Chứng minh bao hàm dẫn tới gốc của điểm kiểm", "The inclusion proof reaches the checkpoint's root"],
  ["checkpoint", "Điểm kiểm được ký bằng khóa nhật ký đã ghim", "The checkpoint is signed by the pinned log key"],
  ["witnesses", "Đủ số nhân chứng đã ghim đồng ký", "The pinned witness policy is met"],
  ["consistency", "Điểm kiểm nhất quán với điểm kiểm lớn nhất trình duyệt này đã thấy", "The checkpoint is consistent with the largest one this browser has seen"],
];

const PIN_KEY = "congress-ledger:pins";
const seenKey = (origin) => `congress-ledger:seen:${origin}`;
function storage() {
  try { return globalThis.localStorage || null; } catch { return null; }
}
export function pins() {
  const s = storage();
  try { return (s && JSON.parse(s.getItem(PIN_KEY) || "null")) || {}; } catch { return {}; }
}
export function pin(value) {
  const s = storage();
  if (s) s.setItem(PIN_KEY, JSON.stringify(value));
}

/** Verifies an act proof (`proof export` / `GET /v1/proofs/act/{hash}`) step by step. */
export async function verifyProof(proof, options = {}) {
  const started = performance.now();
  const results = Object.fromEntries(STEPS.map(([id]) => [id, { status: "skipped", detail: "" }]));
  const ok = (id, detail = "") => (results[id] = { status: "valid", detail });
  const bad = (id, detail) => (results[id] = { status: "invalid", detail });
  const out = { results, keySource: null, crypto: await cryptoUsed(), act: null };
  const done = () => {
    out.verdict = Object.values(results).some((r) => r.status === "invalid") ? "invalid" : "valid";
    out.ms = performance.now() - started;
    return out;
  };
  if (!out.crypto) {
    for (const [id] of STEPS) bad(id, t("trình duyệt này không kiểm được chữ ký", "this browser cannot check signatures"));
    return done();
  }
  let note = null, act = null, logKey = null, chain = null;
  try {
    if (proof.format !== "congress-ledger-act-proof/v1") throw new Error(t(`định dạng \`${proof.format}\` không phải tệp chứng minh hành vi`, `format \`${proof.format}\` is not an act proof`));
    note = parseNote(proof.checkpoint);
  } catch (e) {
    bad("checkpoint", e.message);
    return done();
  }
  // The log key: the pinned one, else (with a warning) the one the proof's genesis names.
  const pinned = options.pins || pins();
  try {
    if (pinned.logKey) {
      logKey = await parseKey(pinned.logKey, 0x01);
      out.keySource = pinned.source || "pinned";
    } else if (proof.registry && proof.registry[0]) {
      logKey = await parseKey(decodeEntry(hexToBytes(proof.registry[0].entry)).event.payload.log_key, 0x01);
      out.keySource = "server";
    }
  } catch (e) {
    bad("checkpoint", t(`khóa nhật ký không đọc được: ${e.message}`, `the log key cannot be read: ${e.message}`));
  }
  out.logKey = logKey && logKey.text;
  // (1) hash, (2) signature.
  try {
    act = decodeEntry(hexToBytes(proof.act.entry));
    out.act = { position: act.position, kind: act.event.kind, stream: act.event.stream, time: act.event.time };
    const h = await eventHash(act.event);
    const wanted = options.expectHash || proof.event_hash;
    if (act.position !== proof.act.position) bad("hash", t("vị trí trong mục khác vị trí tệp chứng minh ghi", "the entry's position is not the one the proof names"));
    else if (h !== wanted || h !== proof.event_hash) bad("hash", t(`băm ra ${h.slice(0, 16)}…, không phải ${wanted.slice(0, 16)}…`, `hashes to ${h.slice(0, 16)}…, not ${wanted.slice(0, 16)}…`));
    else ok("hash", h);
    if (await eventSignatureHolds(act.event)) ok("signature", toHex(act.event.signer).slice(0, 16) + "…");
    else bad("signature", t("chữ ký không đúng", "the signature does not verify"));
    if (act.event.ledger !== proof.origin) bad("signature", t("hành vi thuộc sổ cái khác", "the act belongs to another ledger"));
  } catch (e) {
    bad("hash", t(`mục không đọc được: ${e.message}`, `the entry cannot be read: ${e.message}`));
    act = null;
  }
  // (4) inclusion.
  const included = async (p) => {
    const bytes = hexToBytes(p.entry);
    const entry = decodeEntry(bytes);
    if (entry.position !== p.position) throw new Error(t(`mục ${p.position}: vị trí sai`, `entry ${p.position}: wrong position`));
    if (!(await eventSignatureHolds(entry.event))) throw new Error(t(`mục ${p.position}: chữ ký sai`, `entry ${p.position}: bad signature`));
    const path = p.inclusion.map(hexToBytes);
    if (!(await verifyInclusion(await leafHash(bytes), p.position, note.size, path, note.root))) throw new Error(t(`mục ${p.position} không nằm trong cây của điểm kiểm`, `entry ${p.position} is not in the checkpoint's tree`));
    return entry;
  };
  if (act) {
    try {
      await included(proof.act);
      ok("inclusion", t(`vị trí ${act.position} trong ${note.size} mục`, `position ${act.position} of ${note.size} entries`));
    } catch (e) {
      bad("inclusion", e.message);
    }
  }
  // (3) authority: the registry before the act, each entry included, then the act judged.
  if (act) {
    try {
      let registry = null;
      for (let i = 0; i < proof.registry.length; i++) {
        const p = proof.registry[i];
        const e = await included(p);
        if (e.event.stream !== "ledger" || e.event.version !== i || p.position >= proof.act.position) throw new Error(t(`mục đăng ký ${p.position} không phải mục kế tiếp của luồng ledger`, `registry entry ${p.position} is not the next of stream ledger`));
        if (!registry) registry = new Registry(proof.origin, e.event);
        else {
          const why = registry.refuses(e.event, e.received, null);
          if (why) throw new Error(t(`mục đăng ký ${p.position} không có thẩm quyền: ${why}`, `registry entry ${p.position} is not authorized: ${why}`));
          registry.apply(e.event, p.position);
        }
      }
      let complete = false;
      if (proof.registry_next) {
        const next = await included(proof.registry_next);
        const last = proof.registry.length ? await eventHash(decodeEntry(hexToBytes(proof.registry[proof.registry.length - 1].entry)).event) : null;
        if (next.event.stream !== "ledger" || next.event.version !== proof.registry.length || next.position <= act.position || next.event.prev !== last) throw new Error(t("mục đăng ký sau hành vi không nối tiếp", "the registry entry after the act does not follow on"));
        complete = true;
      }
      // A correction is judged as the act it corrects: follow the chain the proof carries.
      let judged = null, wanted = act.event.kind === "correction.issued" ? act.event.payload.corrects : null;
      for (const p of proof.corrected || []) {
        const e = await included(p);
        if (!wanted || (await eventHash(e.event)) !== wanted) throw new Error(t("chuỗi đính chính không khớp", "the correction chain does not match"));
        if (e.event.stream !== act.event.stream) throw new Error(t("hành vi được đính chính ở luồng khác", "the corrected act is in another stream"));
        judged = e.event.kind;
        wanted = e.event.kind === "correction.issued" ? e.event.payload.corrects : null;
      }
      if (wanted) throw new Error(t("tệp chứng minh thiếu hành vi được đính chính", "the proof lacks the corrected act"));
      let holder;
      if (!registry) {
        if (act.event.kind !== "ledger.created") throw new Error(t("tệp chứng minh không có sổ đăng ký khóa", "the proof carries no key registry"));
        holder = "authority";
      } else {
        const why = registry.refuses(act.event, act.received, judged);
        if (why) throw new Error(why);
        holder = registry.holder(toHex(act.event.signer));
        if (proof.log_keys) chain = await registryAfter(proof, act, registry, included);
        if (logKey && !proof.log_keys && registry.logKey !== logKey.text) {
          bad("checkpoint", t("sự kiện khởi tạo ghi một khóa nhật ký khác khóa đã ghim", "the genesis event names another log key than the pinned one"));
        }
      }
      out.signedBy = holder;
      ok("authority", (holder || "") + (complete ? "" : t(" (chưa chứng minh sổ đăng ký đầy đủ: chưa có thay đổi nào sau hành vi)", " (registry completeness not proved: no registry change since the act)")));
    } catch (e) {
      bad("authority", e.message);
    }
  }
  // (5) the checkpoint's signature.
  if (logKey && results.checkpoint.status !== "invalid") {
    if (note.origin !== proof.origin || logKey.name !== proof.origin) bad("checkpoint", t("điểm kiểm thuộc sổ cái khác", "the checkpoint is of another ledger"));
    else if (chain && chain.length > 1) {
      const why = await followChain(chain, note, proof.log_keys.anchors || [], logKey);
      if (why) bad("checkpoint", why);
      else ok("checkpoint", t(`${inForce(chain, note.size).key} (khóa đã thay; theo chuỗi từ ${logKey.text})`, `${inForce(chain, note.size).key} (rotated; the chain followed from ${logKey.text})`));
    } else if (await noteSignedBy(note, logKey)) ok("checkpoint", `${logKey.text}`);
    else bad("checkpoint", t("chữ ký của điểm kiểm không đúng với khóa này", "the checkpoint's signature does not verify with this key"));
  } else if (!logKey && results.checkpoint.status !== "invalid") {
    bad("checkpoint", t("chưa ghim khóa nhật ký", "no log key pinned"));
  }
  // (6) witnesses.
  const witnesses = pinned.witnesses || [];
  const quorum = Number(pinned.quorum || 0);
  if (!witnesses.length || quorum <= 0) {
    results.witnesses = { status: "skipped", detail: t("chưa ghim nhân chứng nào", "no witness pinned") };
  } else {
    try {
      let n = 0;
      for (const w of witnesses) if (await cosignedBy(note, await parseKey(w, 0x04))) n++;
      if (n >= quorum) ok("witnesses", `${n}/${quorum}`);
      else bad("witnesses", t(`${n} nhân chứng đồng ký, cần ${quorum}`, `${n} witnesses cosigned, ${quorum} needed`));
    } catch (e) {
      bad("witnesses", e.message);
    }
  }
  // (7) consistency with the largest checkpoint seen before.
  if (results.checkpoint.status === "valid") {
    await checkSeen(proof.origin, note, options, ok, bad, results);
  }
  out.checkpoint = { size: note.size, root: toHex(note.root) };
  return done();
}

// ---- a log key that outlives its holder (§4, `log_key.rotated`) ---------------------------
function inForce(chain, size) {
  let key = chain[0];
  for (const k of chain) if (k.from <= size) key = k;
  return key;
}

/** The rest of the registry up to the checkpoint (each entry included, the next version of
 * stream ledger, authorized as the registry stood): the chain of log keys at the checkpoint. */
async function registryAfter(proof, act, registry, included) {
  let version = proof.registry.length, last = act.position;
  if (act.event.stream === "ledger") {
    registry.apply(act.event, act.position);
    version++;
  }
  const rest = (proof.registry_next ? [proof.registry_next] : []).concat(proof.log_keys.registry_after || []);
  for (const p of rest) {
    const e = await included(p);
    if (e.event.stream !== "ledger" || e.event.version !== version || p.position <= last) throw new Error(t(`khóa sổ cái: mục đăng ký ${p.position} không phải mục kế tiếp của luồng ledger`, `log keys: registry entry ${p.position} is not the next of stream ledger`));
    const why = registry.refuses(e.event, e.received, null);
    if (why) throw new Error(t(`khóa sổ cái: mục đăng ký ${p.position} không có thẩm quyền: ${why}`, `log keys: registry entry ${p.position} is not authorized: ${why}`));
    registry.apply(e.event, p.position);
    version++;
    last = p.position;
  }
  return registry.logKeys;
}

/** The trust rule: the checkpoint signed by the key in force at its size, each anchor by the
 * key in force at its own and proved a prefix of it, and one anchor signed by the pinned key.
 * Null when it holds, else why not. */
async function followChain(chain, note, anchors, pinned) {
  const key = await parseKey(inForce(chain, note.size).key, 0x01);
  if (!(await noteSignedBy(note, key))) return t(`điểm kiểm cỡ ${note.size} phải được ký bằng khóa sổ cái có hiệu lực ở cỡ đó, ${key.text}`, `the checkpoint of size ${note.size} must be signed by the log key in force at that size, ${key.text}`);
  if (!chain.some((k) => k.key === pinned.text)) return t("khóa nhật ký đã ghim không phải một khóa của sổ này", "the pinned log key is not one of this log's keys");
  let anchored = false;
  for (const a of anchors) {
    const an = parseNote(a.checkpoint);
    if (an.origin !== note.origin) return t("một điểm kiểm neo thuộc sổ cái khác", "an anchor checkpoint is of another ledger");
    const k = await parseKey(inForce(chain, an.size).key, 0x01);
    if (!(await noteSignedBy(an, k))) return t(`điểm kiểm neo cỡ ${an.size} không được ký bằng khóa có hiệu lực ở cỡ đó`, `the anchor checkpoint of size ${an.size} is not signed by the key in force at that size`);
    if (!(await verifyConsistency(an.size, note.size, (a.consistency || []).map(hexToBytes), an.root, note.root))) return t(`điểm kiểm neo cỡ ${an.size} không phải tiền tố của điểm kiểm`, `the anchor checkpoint of size ${an.size} is not a prefix of the checkpoint`);
    if (await noteSignedBy(an, pinned)) anchored = true;
  }
  if (!anchored) return t("không theo được chuỗi khóa sổ cái từ khóa đã ghim: không có điểm kiểm nào của chính sổ này do khóa ấy ký", "the chain of log keys cannot be followed from the pinned key: no checkpoint of this very log is signed by it");
  return null;
}

async function checkSeen(origin, note, options, ok, bad, results) {
  const s = storage();
  const key = seenKey(origin);
  let seen = null;
  try { seen = s && JSON.parse(s.getItem(key) || "null"); } catch { seen = null; }
  const remember = () => s && s.setItem(key, JSON.stringify({ size: note.size, root: toHex(note.root) }));
  if (!seen) {
    remember();
    return ok("consistency", t(`lần đầu thấy sổ cái này; đã ghi nhớ kích thước ${note.size}`, `first time this log is seen; size ${note.size} remembered`));
  }
  if (seen.size === note.size) {
    return seen.root === toHex(note.root)
      ? ok("consistency", t(`cùng điểm kiểm đã thấy (kích thước ${seen.size})`, `the same checkpoint as seen before (size ${seen.size})`))
      : bad("consistency", t(`cùng kích thước ${seen.size} nhưng gốc khác: máy chủ cho thấy hai lịch sử`, `same size ${seen.size}, another root: the server shows two histories`));
  }
  if (!options.fetchConsistency) {
    results.consistency = { status: "skipped", detail: t(`không có máy chủ để lấy chứng minh nhất quán với kích thước ${seen.size} đã thấy`, `no server to fetch a consistency proof with the size ${seen.size} seen before`) };
    return;
  }
  const [oldSize, newSize] = seen.size < note.size ? [seen.size, note.size] : [note.size, seen.size];
  const [oldRoot, newRoot] = seen.size < note.size ? [hexToBytes(seen.root), note.root] : [note.root, hexToBytes(seen.root)];
  let proof;
  try {
    proof = await options.fetchConsistency(oldSize, newSize);
  } catch (e) {
    return bad("consistency", t(`máy chủ không chứng minh được tính nhất quán với kích thước ${seen.size} đã thấy (quay lui?): ${e.message}`, `the server cannot prove consistency with the size ${seen.size} seen before (rolled back?): ${e.message}`));
  }
  if (await verifyConsistency(oldSize, newSize, proof.map(hexToBytes), oldRoot, newRoot)) {
    if (note.size > seen.size) remember();
    return ok("consistency", `${oldSize} → ${newSize}`);
  }
  bad("consistency", t(`chứng minh nhất quán ${oldSize} → ${newSize} không đúng: lịch sử đã bị viết lại`, `the consistency proof ${oldSize} → ${newSize} does not hold: the history was rewritten`));
}

/** A consistency proof from the origin this page came from (its public `/v1` API). */
export async function fetchConsistency(oldSize, newSize) {
  const r = await fetch(`/v1/proofs/consistency?old=${oldSize}&new=${newSize}`);
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  const j = await r.json();
  if (!Array.isArray(j.proof)) throw new Error(t("câu trả lời không có `proof`", "the answer has no `proof`"));
  return j.proof;
}

// ---- a whole log (entries.bin), as the spec's must-fail vectors exercise --------------------
/** The first position where the log fails and why, or null when it verifies. */
export async function verifyLog(entriesBin, origin) {
  const r = new Reader(entriesBin);
  const heads = new Map();
  let registry = null, lastReceived = -Infinity, position = 0;
  while (!r.done()) {
    let entry;
    try {
      entry = decodeEntry(r.bytes());
    } catch (e) {
      return { position, why: "encoding", detail: e.message };
    }
    const ev = entry.event;
    if (entry.position !== position) return { position, why: "position" };
    if (ev.ledger !== origin) return { position, why: "ledger origin" };
    if (!(await eventSignatureHolds(ev))) return { position, why: "signature" };
    const head = heads.get(ev.stream) || { version: 0, hash: "0".repeat(64) };
    if (ev.version !== head.version || ev.prev !== head.hash) return { position, why: "stream chain" };
    if (entry.received < lastReceived) return { position, why: "received time" };
    if (position === 0) {
      try { registry = new Registry(origin, ev); } catch (e) { return { position, why: "authority", detail: e.message }; }
    } else {
      const why = registry.refuses(ev, entry.received, null);
      if (why) return { position, why: "authority", detail: why };
      if (ev.stream === "ledger") registry.apply(ev);
    }
    heads.set(ev.stream, { version: ev.version + 1, hash: await eventHash(ev) });
    lastReceived = entry.received;
    position++;
  }
  return null;
}

// ---- the page ------------------------------------------------------------------------------
function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/** Where the key came from, in words. */
function sourceWords(source) {
  return {
    pasted: t("đã ghim (dán vào)", "pinned (pasted)"),
    link: t("đã ghim (từ liên kết)", "pinned (from a link)"),
    pinned: t("đã ghim", "pinned"),
    server: t("CHƯA GHIM: lấy từ chính máy chủ", "UNPINNED: taken from the server itself"),
  }[source] || t("không có", "none");
}

function render(section, out) {
  section.querySelectorAll(".result").forEach((e) => e.remove());
  const box = el("div", { class: "result" });
  const src = sourceWords(out.keySource);
  box.append(el("p", { class: "key", "data-key-source": out.keySource || "none" }, `${t("Khóa nhật ký", "Log key")}: ${out.logKey || "—"} (${src})`));
  if (out.keySource === "server") box.append(el("p", { class: "warning" }, t("Cảnh báo: khóa này do máy chủ cung cấp, nên máy chủ có thể tự xác nhận chính nó. Hãy ghim khóa nhật ký nhận được từ nguồn tin cậy.", "Warning: this key came from the server, which can vouch for itself with it. Pin the log key you received from a trusted source.")));
  box.append(el("p", { class: "crypto" }, `${t("Mật mã", "Cryptography")}: ${out.crypto || "—"}`));
  const ol = el("ol", { class: "steps" });
  for (const [id, vi, en] of STEPS) {
    const r = out.results[id];
    const word = { valid: t("đạt", "passed"), invalid: t("KHÔNG ĐẠT", "FAILED"), skipped: t("không kiểm", "not checked") }[r.status];
    const li = el("li", { "data-step": r.status, "data-step-id": id }, `${t(vi, en)}: ${word}${r.detail ? " — " + r.detail : ""}`);
    ol.append(li);
  }
  box.append(ol);
  const verdict = el("p", { class: "verdict", "data-verdict": out.verdict, "data-ms": out.ms === undefined ? "" : out.ms.toFixed(1) }, out.verdict === "valid" ? t("KẾT LUẬN: hành vi được xác minh trong trình duyệt này", "VERDICT: the act is verified in this browser") : t("KẾT LUẬN: KHÔNG xác minh được", "VERDICT: NOT verified"));
  box.append(verdict);
  section.append(box);
}

function pinForm(container, onChange) {
  container.textContent = "";
  const current = pins();
  container.append(el("h2", {}, t("Khóa đã ghim trong trình duyệt này", "Keys pinned in this browser")));
  container.append(el("p", { class: "pinned" }, current.logKey ? `${current.logKey} (${sourceWords(current.source || "pinned")})` : t("Chưa ghim khóa nhật ký.", "No log key pinned.")));
  const key = el("input", { id: "pin-key", size: "90", placeholder: t("tên+mã+base64 của khóa nhật ký", "the log key: name+id+base64") });
  const wit = el("textarea", { id: "pin-witnesses", placeholder: t("khóa nhân chứng, mỗi dòng một khóa", "witness keys, one a line") });
  const quorum = el("input", { id: "pin-quorum", type: "number", min: "0", value: String(current.quorum || 0) });
  const button = el("button", { type: "button", id: "pin-button" }, t("Ghim", "Pin"));
  button.addEventListener("click", async () => {
    try {
      const logKey = key.value.trim() || current.logKey;
      await parseKey(logKey, 0x01);
      const witnesses = wit.value.split("\n").map((s) => s.trim()).filter(Boolean);
      for (const w of witnesses) await parseKey(w, 0x04);
      pin({ logKey, source: "pasted", witnesses, quorum: Number(quorum.value || 0) });
      onChange();
    } catch (e) {
      alert(e.message);
    }
  });
  container.append(key, el("br"), wit, el("label", {}, t("Số nhân chứng tối thiểu: ", "Quorum: ")), quorum, button);
}

/** `?key=…` (and `&witness=…&quorum=…`) pins from a link. */
async function pinFromLink() {
  const q = new URLSearchParams(location.search);
  const key = q.get("key");
  if (!key) return;
  await parseKey(key, 0x01);
  pin({ logKey: key, source: "link", witnesses: q.getAll("witness"), quorum: Number(q.get("quorum") || 0) });
}

async function main() {
  const section = document.getElementById("verify");
  if (!section) return;
  // A key in the link that does not read is not replaced by the server's: it fails step 5.
  let linkPins = null;
  try { await pinFromLink(); } catch (e) {
    section.append(el("p", { class: "error" }, e.message));
    linkPins = { logKey: new URLSearchParams(location.search).get("key"), source: "link" };
  }
  const pinBox = document.getElementById("pin") || section.insertBefore(el("div", { id: "pin" }), section.firstChild);
  const offline = section.dataset.offline === "1";
  const run = async (proof, expectHash) => {
    try {
      const out = await verifyProof(proof, { expectHash, pins: linkPins || undefined, fetchConsistency: offline ? null : fetchConsistency });
      render(section, out);
    } catch (e) {
      render(section, { results: Object.fromEntries(STEPS.map(([id]) => [id, { status: "invalid", detail: e.message }])), verdict: "invalid" });
    }
  };
  if (offline) {
    const go = async (text) => {
      let proof;
      try { proof = JSON.parse(text); } catch (e) {
        return render(section, { results: Object.fromEntries(STEPS.map(([id]) => [id, { status: "skipped", detail: "" }])), verdict: "invalid", crypto: null, logKey: null, keySource: null, error: e.message });
      }
      await run(proof, null);
    };
    pinForm(pinBox, () => {});
    document.getElementById("proof-file").addEventListener("change", async (e) => { const f = e.target.files[0]; if (f) await go(await f.text()); });
    document.getElementById("verify-button").addEventListener("click", () => go(document.getElementById("proof-text").value));
    return;
  }
  const hash = section.dataset.hash;
  const again = async () => {
    pinForm(pinBox, again);
    let proof;
    try {
      const r = await fetch(`/v1/proofs/act/${hash}`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      proof = await r.json();
    } catch (e) {
      return render(section, { results: Object.fromEntries(STEPS.map(([id]) => [id, { status: "invalid", detail: t(`không lấy được tệp chứng minh: ${e.message}`, `the proof could not be fetched: ${e.message}`) }])), verdict: "invalid" });
    }
    await run(proof, hash);
  };
  await again();
}

if (typeof document !== "undefined") {
  globalThis.CongressLedgerVerify = { verifyProof, verifyLog, ed25519Verify, verifyInclusion, verifyConsistency, parseKey, parseNote, decodeEntry, pin, pins, cryptoUsed, useVendored, secure: !!subtle };
  main();
}
