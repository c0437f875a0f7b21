//! `json.value[/a/b/...]` pointers of the current target, resolved through a prefix tree.
//!
//! Generated rules hold thousands of per-index pointers (`/requestObject/spec/containers/3/
//! securityContext/privileged`, ...) that share their leading tokens. Each tree node is looked
//! up at most once per event, from its parent's value, and a missing node answers for every
//! pointer below it (no `containers/3` means none of its fields exist). A lookup is what the
//! json plugin's walk does per token (`Json::get`): the first object member with the key, or
//! the array element at the token read as an index.

use super::json::{pointer_parts, Json};
use std::collections::HashMap;

struct Node {
    parent: Option<usize>,
    key: String,
    index: Option<usize>,
}

#[derive(Default)]
pub struct PointerTree {
    nodes: Vec<Node>,
    index: HashMap<(Option<usize>, String), usize>,
}

impl PointerTree {
    /// The node of a pointer, adding its tokens to the tree.
    pub fn add(&mut self, ptr: &str) -> usize {
        let mut parent = None;
        for key in pointer_parts(ptr) {
            let k = (parent, key);
            let id = match self.index.get(&k) {
                Some(id) => *id,
                None => {
                    let index = k.1.parse::<usize>().ok();
                    self.nodes.push(Node {
                        parent,
                        key: k.1.clone(),
                        index,
                    });
                    self.index.insert(k, self.nodes.len() - 1);
                    self.nodes.len() - 1
                }
            };
            parent = Some(id);
        }
        parent.expect("a pointer has at least one token")
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Per-event lookups: for each node, the generation it was looked up in and the position of
/// its value in the parent (1-based; 0 = missing).
#[derive(Default)]
pub struct PointerCache {
    found: Vec<(u64, usize)>,
    path: Vec<usize>,
}

impl PointerCache {
    pub fn new(tree: &PointerTree) -> Self {
        PointerCache {
            found: vec![(0, 0); tree.len()],
            path: Vec::new(),
        }
    }

    /// The value at `node` in `root` for the event of generation `gen`.
    pub fn resolve<'j>(
        &mut self,
        tree: &PointerTree,
        node: usize,
        root: &'j Json,
        gen: u64,
    ) -> Option<&'j Json> {
        self.path.clear();
        let mut cur = Some(node);
        while let Some(c) = cur {
            if self.found[c] == (gen, 0) {
                return None;
            }
            self.path.push(c);
            cur = tree.nodes[c].parent;
        }
        let mut v = root;
        for &c in self.path.iter().rev() {
            let (g, mut pos) = self.found[c];
            if g != gen {
                pos = position(v, &tree.nodes[c]);
                self.found[c] = (gen, pos);
            }
            v = match (pos, v) {
                (0, _) => return None,
                (p, Json::Obj(m)) => &m[p - 1].1,
                (p, Json::Arr(a)) => &a[p - 1],
                _ => unreachable!("a position is only found in an object or array"),
            };
        }
        Some(v)
    }
}

fn position(v: &Json, n: &Node) -> usize {
    let p = match v {
        Json::Obj(m) => m.iter().position(|(k, _)| *k == n.key),
        Json::Arr(a) => n.index.filter(|i| *i < a.len()),
        _ => None,
    };
    p.map_or(0, |p| p + 1)
}
