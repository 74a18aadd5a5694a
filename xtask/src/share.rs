//! One type per shape: the nested models that several operations of an
//! area declare alike, defined once in the area's `models` module.
//!
//! The spec repeats its schemas per operation, so the models modules of
//! `POST /v3/pay/transactions/jsapi` and `…/native` would each define an
//! identical `Amount`. The rule: among the models of an area that carry one
//! name, the shape most of them have (two at least; on a tie, the one met
//! first in module order) is defined once as `models::<Name>`, and every
//! models module holding that shape re-exports it, so its path there
//! (`transactions::jsapi::Amount`) stays what it was. A shape is the
//! model's fields (name on the wire, Rust name, type, requiredness,
//! encryption) or enum values, with the models it refers to compared by
//! their own shape; documentation does not count (the shared model keeps
//! the first one's). A model moves only with every model it refers to, so
//! `models` is self-contained. Other shapes of the same name stay where
//! they are.

use std::collections::{BTreeMap, BTreeSet};

use crate::types::{Model, RType};

/// A model as found: its module (inside the area) and itself.
pub type Found = (Vec<String>, Model);

/// What moves to `models`: the merged models by name, and the
/// `(module, name)` places that now re-export them.
#[derive(Debug, Default)]
pub struct Shared {
    pub models: BTreeMap<String, Model>,
    pub moved: BTreeSet<(Vec<String>, String)>,
}

/// Decides what an area's models share.
///
/// Long by design: one pass that groups, compares and places, whose
/// steps share the same maps; split, each would take all of them.
pub fn share(found: &[Found]) -> Shared {
    let index: BTreeMap<(&[String], &str), &Model> = found
        .iter()
        .map(|(m, model)| ((m.as_slice(), model.name()), model))
        .collect();
    let mut shapes: BTreeMap<(&[String], &str), String> = BTreeMap::new();
    for (module, model) in found {
        shape_of(module, model, &index, &mut shapes, 0);
    }

    // The winning shape of each name, used at least twice.
    let mut by_name: BTreeMap<&str, Vec<(&String, &[String])>> = BTreeMap::new();
    for (module, model) in found {
        let key = (module.as_slice(), model.name());
        if let Some(shape) = shapes.get(&key) {
            by_name
                .entry(model.name())
                .or_default()
                .push((shape, module));
        }
    }
    let mut winners: BTreeMap<&str, &String> = BTreeMap::new();
    for (name, places) in &by_name {
        let mut counts: Vec<(&String, usize)> = Vec::new();
        for (shape, _) in places {
            match counts.iter_mut().find(|(s, _)| s == shape) {
                Some((_, n)) => *n += 1,
                None => counts.push((shape, 1)),
            }
        }
        // `places` is in module order, so the first maximum is the one met first.
        let best = counts
            .iter()
            .fold(None::<(&String, usize)>, |best, &(s, n)| match best {
                Some((_, m)) if m >= n => best,
                _ => Some((s, n)),
            });
        if let Some((shape, n)) = best {
            if n >= 2 {
                winners.insert(name, shape);
            }
        }
    }

    // A winner moves only if every model it refers to moves too.
    loop {
        let drop: Vec<&str> = winners
            .iter()
            .filter(|(name, shape)| {
                found.iter().any(|(module, model)| {
                    model.name() == **name
                        && shapes.get(&(module.as_slice(), model.name())) == Some(*shape)
                        && refs(model).iter().any(|child| {
                            let child_shape = shapes.get(&(module.as_slice(), child.as_str()));
                            winners.get(child.as_str()) != child_shape.as_ref()
                        })
                })
            })
            .map(|(name, _)| *name)
            .collect();
        if drop.is_empty() {
            break;
        }
        for name in drop {
            winners.remove(name);
        }
    }

    let mut out = Shared::default();
    for (module, model) in found {
        let name = model.name();
        let shape = shapes.get(&(module.as_slice(), name));
        if shape.is_none() || winners.get(name) != shape.as_ref() {
            continue;
        }
        out.moved.insert((module.clone(), name.to_owned()));
        match (out.models.get_mut(name), model) {
            (None, _) => {
                out.models.insert(name.to_owned(), model.clone());
            }
            // The same struct read in one place and sent in another: both.
            (Some(Model::Struct(kept)), Model::Struct(s)) => {
                kept.ser |= s.ser;
                kept.de |= s.de;
            }
            _ => {}
        }
    }
    out
}

/// The models a model's fields name.
fn refs(model: &Model) -> Vec<String> {
    fn inner(ty: &RType, out: &mut Vec<String>) {
        match ty {
            RType::Vec(t) => inner(t, out),
            RType::Struct(n) | RType::Enum(n) => out.push(n.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Model::Struct(s) = model {
        for f in &s.fields {
            inner(&f.ty, &mut out);
        }
    }
    out
}

/// A model's shape as text, memoised; models it refers to are expanded.
fn shape_of<'a>(
    module: &'a [String],
    model: &'a Model,
    index: &BTreeMap<(&'a [String], &'a str), &'a Model>,
    shapes: &mut BTreeMap<(&'a [String], &'a str), String>,
    depth: usize,
) -> String {
    let key = (module, model.name());
    if let Some(s) = shapes.get(&key) {
        return s.clone();
    }
    let text = match model {
        Model::Enum(e) => {
            let values: Vec<String> = e.variants.iter().map(|(v, w)| format!("{v}={w}")).collect();
            format!("enum {}{{{}}}", e.name, values.join(","))
        }
        Model::Struct(s) => {
            let mut fields = Vec::new();
            for f in &s.fields {
                let ty = type_shape(module, &f.ty, index, shapes, depth);
                fields.push(format!(
                    "{}/{}:{ty}:{}:{:?}:{}",
                    f.wire, f.ident, f.required, f.place, f.sensitive
                ));
            }
            format!(
                "struct {}[{}{}{}]{{{}}}",
                s.name,
                s.sensitive,
                s.default,
                s.eq,
                fields.join(",")
            )
        }
    };
    shapes.insert(key, text.clone());
    text
}

fn type_shape<'a>(
    module: &'a [String],
    ty: &RType,
    index: &BTreeMap<(&'a [String], &'a str), &'a Model>,
    shapes: &mut BTreeMap<(&'a [String], &'a str), String>,
    depth: usize,
) -> String {
    match ty {
        RType::Vec(inner) => format!("Vec<{}>", type_shape(module, inner, index, shapes, depth)),
        RType::Struct(n) | RType::Enum(n) => match index.get(&(module, n.as_str())) {
            // The spec's schemas are finite trees (the reader stops at a
            // depth); the guard keeps a cycle from recursing for ever.
            Some(child) if depth < 64 => shape_of(module, child, index, shapes, depth + 1),
            _ => format!("?{n}"),
        },
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{EnumDef, Field, Place, StructDef};

    fn field(name: &str, ty: RType) -> Field {
        Field {
            wire: name.into(),
            ident: name.into(),
            ty,
            required: true,
            place: Place::Body,
            sensitive: false,
            doc: vec![format!("{name} here")],
        }
    }

    fn model(name: &str, fields: Vec<Field>, ser: bool) -> Model {
        Model::Struct(StructDef {
            name: name.into(),
            doc: vec![],
            fields,
            sensitive: false,
            default: true,
            eq: true,
            ser,
            de: !ser,
        })
    }

    fn module(path: &str) -> Vec<String> {
        path.split("::").map(String::from).collect()
    }

    fn currency(values: &[&str]) -> Model {
        Model::Enum(EnumDef {
            name: "Currency".into(),
            doc: vec![],
            variants: values
                .iter()
                .map(|v| (v.to_string(), v.to_string()))
                .collect(),
        })
    }

    #[test]
    fn the_most_used_shape_is_shared_with_what_it_refers_to() {
        let amount = |ser| {
            model(
                "Amount",
                vec![
                    field("total", RType::I64),
                    field("currency", RType::Enum("Currency".into())),
                ],
                ser,
            )
        };
        let found = vec![
            (module("a"), amount(true)),
            (module("a"), currency(&["CNY"])),
            (module("b"), amount(false)),
            (module("b"), currency(&["CNY"])),
            // The same names, another shape: stays where it is.
            (
                module("c"),
                model("Amount", vec![field("refund", RType::I64)], true),
            ),
            (module("c"), currency(&["CNY"])),
        ];
        let shared = share(&found);
        assert_eq!(
            shared.models.keys().collect::<Vec<_>>(),
            ["Amount", "Currency"]
        );
        assert!(shared.moved.contains(&(module("a"), "Amount".into())));
        assert!(shared.moved.contains(&(module("b"), "Amount".into())));
        assert!(!shared.moved.contains(&(module("c"), "Amount".into())));
        assert!(shared.moved.contains(&(module("c"), "Currency".into())));
        let Some(Model::Struct(kept)) = shared.models.get("Amount") else {
            panic!("Amount is a struct");
        };
        assert!(kept.ser && kept.de, "sent in one place, read in another");
    }

    #[test]
    fn a_model_whose_parts_differ_does_not_move() {
        let amount = || {
            model(
                "Amount",
                vec![field("currency", RType::Enum("Currency".into()))],
                true,
            )
        };
        let found = vec![
            (module("a"), amount()),
            (module("a"), currency(&["CNY"])),
            (module("b"), amount()),
            (module("b"), currency(&["CNY", "USD"])),
            (module("c"), currency(&["CNY", "USD"])),
        ];
        let shared = share(&found);
        // Same text, but `Currency` differs between a and b: two shapes.
        assert!(!shared.models.contains_key("Amount"));
        // `Currency` with USD is used twice and moves; a's stays.
        assert!(shared.moved.contains(&(module("b"), "Currency".into())));
        assert!(!shared.moved.contains(&(module("a"), "Currency".into())));
    }

    #[test]
    fn a_parent_stays_when_its_child_does_not_move() {
        // The two `Payer`s are alike, `Identity` and all; but another
        // shape of `Identity` is used more, so `models::Identity` is that
        // one and the `Payer`s cannot move without theirs.
        let identity = |kind: &str| model("Identity", vec![field(kind, RType::String)], true);
        let payer = || {
            model(
                "Payer",
                vec![field("identity", RType::Struct("Identity".into()))],
                true,
            )
        };
        let found = vec![
            (module("a"), payer()),
            (module("a"), identity("x")),
            (module("b"), payer()),
            (module("b"), identity("x")),
            (module("c"), identity("y")),
            (module("d"), identity("y")),
            (module("e"), identity("y")),
        ];
        let shared = share(&found);
        assert!(
            !shared.models.contains_key("Payer"),
            "{:?}",
            shared.models.keys()
        );
        assert!(shared.moved.contains(&(module("c"), "Identity".into())));
        assert!(!shared.moved.contains(&(module("a"), "Identity".into())));
    }
}
