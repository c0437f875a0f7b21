//! The Falco side: conditions as expression trees, the rules-file model, rendering and emitting.

pub mod emit;
pub mod expr;
pub mod index_gates;
pub mod render;
pub mod rules;
pub mod string_literal;

pub use expr::{Expr, Field, FieldArg, Op, Value};
