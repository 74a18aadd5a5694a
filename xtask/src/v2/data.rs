//! `wxpay-sandbox/data/spec-mode-v2.json`: what the sandbox's spec mode
//! checks and answers for each APIv2 operation, one JSON object per line.

use serde_json::{Map, Value, json};

use super::spec::{Field, V2Op, example_text};

/// The answer fields a spec-mode answer leaves to the sandbox (it signs the
/// answer and draws its own nonce) or leaves out (a success carries no
/// error code).
const LEFT_TO_THE_SANDBOX: [&str; 4] = ["sign", "nonce_str", "err_code", "err_code_des"];

/// `coupon_id_$n` → `coupon_id_0`; `coupon_refund_id_$n_$m` → `coupon_refund_id_0_0`.
pub fn first_index(name: &str) -> String {
    name.replace("$n", "0").replace("$m", "0")
}

/// The operation's line.
pub fn entry(op: &V2Op) -> Value {
    let names = |fields: &mut dyn Iterator<Item = &Field>| -> Vec<Value> {
        fields.map(|f| Value::String(f.name.clone())).collect()
    };
    let required = names(&mut op.request.iter().filter(|f| f.required));
    let fields = names(&mut op.request.iter());
    let mut answer = Map::new();
    answer.insert("return_code".into(), "SUCCESS".into());
    answer.insert("return_msg".into(), "OK".into());
    answer.insert("result_code".into(), "SUCCESS".into());
    for f in &op.answer {
        if LEFT_TO_THE_SANDBOX.contains(&f.name.as_str()) || answer.contains_key(&f.name) {
            continue;
        }
        answer.insert(first_index(&f.name), Value::String(example_text(f)));
    }
    json!({
        "method": op.method,
        "path": op.path,
        "mutual_tls": op.mutual_tls,
        "signed_answer": op.signed_answer,
        "sign_types": op.sign_types,
        "required": required,
        "fields": fields,
        "answer": answer,
    })
}

/// The file: one compact object per line.
pub fn render(ops: &[V2Op]) -> String {
    let mut out = String::new();
    for op in ops {
        out.push_str(&entry(op).to_string());
        out.push('\n');
    }
    out
}
