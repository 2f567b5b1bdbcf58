// "Verify in this browser": checks the ledger's signed tree head and the decisions on the page
// with the browser's own Web Crypto, written from the published format (RFC 9162, RFC 8032 and
// the ledger's leaf encoding), sharing no code with the service's verifier.
//
// 1. The tree head: Ed25519 over TreeHeadDataV2 = timestamp_ms (u64) || tree_size (u64) ||
//    0x20 || root_hash (32 bytes) || 0x0000.
// 2. Each decision's event: its leaf hash recomputed from the stored event,
//    SHA-256(0x00 || "innoledger-event-v1" || uuid (16) || version (u64) || topic (u16 len) ||
//    state (u32 len)), must equal the leaf the proof is for.
// 3. Its inclusion proof, per RFC 9162 §2.1.3.2, must lead to the signed root.
(function () {
  "use strict";

  var subtle = window.crypto && window.crypto.subtle;
  var encoder = new TextEncoder();

  function hexToBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function bytesToHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function base64ToBytes(text) {
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function concat(parts) {
    var length = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(length);
    var offset = 0;
    parts.forEach(function (p) { out.set(p, offset); offset += p.length; });
    return out;
  }

  function uint(value, bytes) {
    // Big-endian unsigned integer; BigInt keeps 64-bit values exact.
    var out = new Uint8Array(bytes);
    var v = BigInt(value);
    for (var i = bytes - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }

  function sha256(bytes) {
    return subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function treeHeadData(head) {
    return concat([
      uint(head.timestampMs, 8), uint(head.treeSize, 8), new Uint8Array([32]),
      hexToBytes(head.rootHash), new Uint8Array([0, 0]),
    ]);
  }

  function publicKey(pem) {
    var body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    return subtle.importKey("spki", base64ToBytes(body), { name: "Ed25519" }, false, ["verify"]);
  }

  function leafHash(row) {
    var topic = encoder.encode(row.dataset.topic);
    var state = base64ToBytes(row.dataset.state);
    var entry = concat([
      new Uint8Array([0]), encoder.encode("innoledger-event-v1"),
      hexToBytes(row.dataset.originatorId.replace(/-/g, "")),
      uint(row.dataset.originatorVersion, 8), uint(topic.length, 2), topic,
      uint(state.length, 4), state,
    ]);
    return sha256(entry);
  }

  function verifyInclusion(leafIndex, treeSize, leaf, path, root) {
    // RFC 9162 §2.1.3.2
    if (leafIndex >= treeSize) return Promise.resolve(false);
    var fn = BigInt(leafIndex);
    var sn = BigInt(treeSize) - 1n;
    var chain = Promise.resolve(leaf);
    var failed = false;
    path.forEach(function (p) {
      chain = chain.then(function (r) {
        if (failed) return r;
        if (sn === 0n) { failed = true; return r; }
        var next;
        if ((fn & 1n) === 1n || fn === sn) {
          next = sha256(concat([new Uint8Array([1]), p, r]));
          if ((fn & 1n) === 0n) {
            while (!((fn & 1n) === 1n || fn === 0n)) { fn >>= 1n; sn >>= 1n; }
          }
        } else {
          next = sha256(concat([new Uint8Array([1]), r, p]));
        }
        fn >>= 1n; sn >>= 1n;
        return next;
      });
    });
    return chain.then(function (r) { return !failed && sn === 0n && equal(r, root); });
  }

  function verify() {
    var section = document.getElementById("tree-head");
    var summary = document.getElementById("verify-summary");
    var table = document.getElementById("ledger-checks");
    var head = {
      treeSize: section.dataset.treeSize,
      rootHash: section.dataset.rootHash,
      timestampMs: section.dataset.timestampMs,
    };
    var root = hexToBytes(head.rootHash);
    summary.textContent = summary.dataset.textChecking;
    return publicKey(section.dataset.publicKey)
      .then(function (key) {
        return subtle.verify({ name: "Ed25519" }, key, base64ToBytes(section.dataset.signature), treeHeadData(head));
      })
      .then(function (signatureValid) {
        if (!signatureValid) {
          summary.textContent = summary.dataset.textSignatureBad;
          summary.dataset.outcome = "failed";
          return;
        }
        var rows = Array.prototype.slice.call(document.querySelectorAll("tr.ledger-check"));
        return Promise.all(rows.map(function (row) {
          var cell = row.querySelector(".check-result");
          return leafHash(row).then(function (computed) {
            if (bytesToHex(computed) !== row.dataset.leafHash) {
              cell.textContent = table.dataset.textBadLeaf;
              row.dataset.outcome = "failed";
              return false;
            }
            var path = row.dataset.inclusionPath ? row.dataset.inclusionPath.split(",").map(hexToBytes) : [];
            return verifyInclusion(Number(row.dataset.leafIndex), Number(head.treeSize), computed, path, root)
              .then(function (included) {
                cell.textContent = included ? table.dataset.textOk : table.dataset.textBadPath;
                row.dataset.outcome = included ? "verified" : "failed";
                return included;
              });
          });
        })).then(function (results) {
          var ok = results.every(Boolean);
          summary.textContent = ok ? summary.dataset.textOk : summary.dataset.textFailed;
          summary.dataset.outcome = ok ? "verified" : "failed";
        });
      })
      .catch(function () {
        summary.textContent = summary.dataset.textUnsupported;
        summary.dataset.outcome = "unsupported";
      });
  }

  var button = document.getElementById("verify-button");
  if (button && subtle) {
    button.hidden = false;
    button.addEventListener("click", verify);
  }
})();
