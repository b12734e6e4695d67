//! `diff` of tables routed by NENA i3 policies (SPEC §9 "With diff"): policies and rules are
//! elements like routers; what a policy edit does to calls is reported as for YAML tables.

use serde_json::{Value, json};

use crate::common::{git, run_in};
use crate::policy_routing::{A, B, doc, write_table};

type Docs = Vec<(&'static str, Value)>;

/// `diff old/table.yaml new/table.yaml` of the clean store and the store with `edit`.
fn diff_with(edit: impl FnOnce(&mut Docs), format: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    write_table(&dir.path().join("old"), |_| {});
    write_table(&dir.path().join("new"), edit);
    let (code, out, err) = run_in(dir.path(), &["diff", "old/table.yaml", "new/table.yaml", "--format", format]);
    assert!(err.is_empty(), "{err}");
    (code, out)
}

fn rules_mut<'a>(docs: &'a mut Docs, name: &str) -> &'a mut Vec<Value> {
    doc(docs, name)["policyRules"].as_array_mut().unwrap()
}

#[test]
fn explore() {
    let (code, out) = diff_with(|docs| { rules_mut(docs, "a.json")[2]["actions"][0]["recipientUri"] = json!(B); }, "json");
    println!("{code}\n{out}");
    let (code, out) = diff_with(|docs| { rules_mut(docs, "a.json").remove(0); }, "human");
    println!("{code}\n{out}");
    let (code, out) = diff_with(|docs| { let r = rules_mut(docs, "a.json"); r[1]["priority"] = json!(100); r[2]["priority"]=json!(300); }, "human");
    println!("{code}\n{out}");
    panic!();
}
