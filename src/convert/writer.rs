//! Writing a rules file policy by policy, shared by every target: each policy's section is
//! emitted as soon as it is built (memory holds one policy's trees at a time, plus the text),
//! warnings are gathered with target notes said once, and the head (what the sections need)
//! goes in front at the end.

use std::collections::HashSet;

use super::preamble::{self, Needs};
use super::{naming, Conversion, ConvertError, Options};
use crate::falco::emit::emit;
use crate::falco::rules::{Item, RulesFile};
use crate::psp::scope::{scope_of, Scope};
use crate::psp::LoadedPolicy;

/// The policy's scope, its annotations and name checked: an error names the policy and field.
pub fn checked_scope(policy: &LoadedPolicy, opts: &Options) -> Result<Scope, ConvertError> {
    let invalid = |path: String, message: String| ConvertError::InvalidValue {
        source_doc: policy.source.clone(),
        name: policy.name.clone(),
        path,
        message,
    };
    let scope = scope_of(&policy.psp, &opts.images, &opts.namespaces)
        .map_err(|(path, message)| invalid(path, message))?;
    naming::check_display_name(&policy.name)
        .map_err(|message| invalid("metadata.name".into(), message))?;
    Ok(scope)
}

#[derive(Default)]
pub struct RulesWriter {
    body: String,
    warnings: Vec<String>,
    notes_seen: HashSet<String>,
    needs: Needs,
}

impl RulesWriter {
    /// Keeps warnings; notes about the target say the same for every policy: once is enough.
    pub fn warn(&mut self, warnings: Vec<String>) {
        for w in warnings {
            if !w.starts_with("note:") || self.notes_seen.insert(w.clone()) {
                self.warnings.push(w);
            }
        }
    }

    /// Writes one policy's section.
    pub fn section(
        &mut self,
        policy: &LoadedPolicy,
        items: Vec<Item>,
        opts: &Options,
    ) -> Result<(), ConvertError> {
        let items = preamble::finish_section(items, opts);
        self.needs.add(&items);
        let file = RulesFile {
            header: Vec::new(),
            items,
        };
        let text = emit(&file, opts.target).map_err(|e| ConvertError::Unsafe {
            source_doc: policy.source.clone(),
            name: policy.name.clone(),
            message: e.to_string(),
        })?;
        self.body.push('\n');
        self.body.push_str(&text);
        Ok(())
    }

    /// The whole file: the head, with `extra_header` comment lines, in front of the sections.
    pub fn finish(
        mut self,
        policies: &[LoadedPolicy],
        opts: &Options,
        extra_header: Vec<String>,
    ) -> Result<Conversion, ConvertError> {
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        let mut head = preamble::header(&names, opts, self.needs);
        head.header.extend(extra_header);
        let head = emit(&head, opts.target).map_err(|e| ConvertError::Unsafe {
            source_doc: String::new(),
            name: String::new(),
            message: e.to_string(),
        })?;
        // The head goes in front of the body in place: no second copy of a large body.
        self.body.reserve_exact(head.len());
        self.body.insert_str(0, &head);
        Ok(Conversion {
            text: self.body,
            warnings: self.warnings,
        })
    }
}
