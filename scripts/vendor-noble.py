#!/usr/bin/env python3
"""Re-vendors the browser's fallback cryptography (issue 14): @noble/ed25519 and the SHA-2 part
of @noble/hashes, both audited, MIT-licensed, taken with `npm pack` from the npm registry.

Their ES modules are joined into one classic script (each module in its own function scope,
its imports bound to the exports of the modules before it) that sets
`globalThis.CongressLedgerNoble`, so that `verify.html` stays one self-contained file and a
fresh clone needs no Node to build or run. The output and the versions, licences and npm
integrity hashes are committed; run this only to move to new versions:

    python3 scripts/vendor-noble.py 3.2.0 2.4.0
"""
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

ED, HASHES = (sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else ("3.2.0", "2.4.0")
OUT = os.path.join(os.path.dirname(__file__), "..", "api", "src", "explorer", "assets", "vendor")

def pack(name, version, into):
    out = subprocess.run(["npm", "pack", "--json", f"{name}@{version}"], cwd=into, check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)[0]
    with tarfile.open(os.path.join(into, info["filename"])) as t:
        t.extractall(os.path.join(into, name.replace("/", "_")), filter="data")
    return os.path.join(into, name.replace("/", "_"), "package"), info["integrity"]

IMPORT_NAMED = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*["\']([^"\']+)["\'];?\s*$', re.M)
IMPORT_STAR = re.compile(r'^import\s*\*\s*as\s+(\w+)\s+from\s*["\']([^"\']+)["\'];?\s*$', re.M)
EXPORT_LIST = re.compile(r'^export\s*\{([^}]*)\};?\s*$', re.M)
EXPORT_DECL = re.compile(r'^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+(\w+)', re.M)

def module(var, source, modules):
    def named(m):
        if m.group(2) not in modules:
            return m.group(0)  # an example in a comment
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        binds = ", ".join(n.replace(" as ", ": ") for n in names)
        return f"const {{ {binds} }} = {modules[m.group(2)]};"
    source = IMPORT_NAMED.sub(named, source)
    source = IMPORT_STAR.sub(lambda m: f"const {m.group(1)} = {modules[m.group(2)]};" if m.group(2) in modules else m.group(0), source)
    exported = EXPORT_DECL.findall(source)
    for m in EXPORT_LIST.finditer(source):
        exported += [n.strip() for n in m.group(1).split(",") if n.strip()]
    source = EXPORT_LIST.sub("", source)
    source = re.sub(r'^export\s+', "", source, flags=re.M)
    names = ", ".join(n.replace(" as ", ": ") if " as " not in n else f"{n.split(' as ')[1]}: {n.split(' as ')[0]}" for n in exported)
    return f"const {var} = (() => {{\n{source}\nreturn {{ {names} }};\n}})();\n"

with tempfile.TemporaryDirectory() as tmp:
    ed_dir, ed_integrity = pack("@noble/ed25519", ED, tmp)
    h_dir, h_integrity = pack("@noble/hashes", HASHES, tmp)
    modules = {}
    parts = []
    for name, var in [("utils.js", "h_utils"), ("_u64.js", "h_u64"), ("_md.js", "h_md"), ("sha2.js", "h_sha2")]:
        src = open(os.path.join(h_dir, name)).read()
        parts.append(module(var, src, modules))
        modules["./" + name] = var
        modules["@noble/hashes/" + name] = var
    src = open(os.path.join(ed_dir, "index.js")).read()
    parts.append(module("ed", src, modules))
    licence_ed = open(os.path.join(ed_dir, "LICENSE")).read()
    licence_h = open(os.path.join(h_dir, "LICENSE")).read()
    os.makedirs(OUT, exist_ok=True)
    header = (
        f"// Vendored by scripts/vendor-noble.py: @noble/ed25519 {ED} ({ed_integrity}) and @noble/hashes {HASHES}\n"
        f"// ({h_integrity}), MIT licence (see LICENSE-noble.txt). Do not edit: re-run the script.\n"
        "(() => {\n"
    )
    footer = (
        "ed.hashes.sha512 = h_sha2.sha512;\n"
        "globalThis.CongressLedgerNoble = {\n"
        f"  name: \"@noble/ed25519 {ED}\",\n"
        "  sha256: (bytes) => h_sha2.sha256(bytes),\n"
        "  // zip215: false is RFC 8032 / FIPS 186-5 strict decoding; verify.js adds the small-order checks.\n"
        "  verify: (signature, message, publicKey) => ed.verify(signature, message, publicKey, { zip215: false }),\n"
        "};\n})();\n"
    )
    open(os.path.join(OUT, "noble.js"), "w").write(header + "\n".join(parts) + footer)
    open(os.path.join(OUT, "LICENSE-noble.txt"), "w").write(f"@noble/ed25519 {ED}\n\n{licence_ed}\n\n@noble/hashes {HASHES}\n\n{licence_h}")
    json.dump({"@noble/ed25519": {"version": ED, "integrity": ed_integrity, "license": "MIT"},
               "@noble/hashes": {"version": HASHES, "integrity": h_integrity, "license": "MIT", "files": ["utils.js", "_u64.js", "_md.js", "sha2.js"]}},
              open(os.path.join(OUT, "VERSIONS.json"), "w"), indent=2)
print("wrote", OUT)
