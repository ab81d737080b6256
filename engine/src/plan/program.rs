//! A plan's closures: what runs per document, compiled once per plan.

use super::code::{Code, Compiler, Test};
use super::typed::Writer;
use super::{NodeId, Plan};

/// The closures of a whole plan: what runs per document.
pub(super) struct Program {
    /// Per cache slot, the closure computing it.
    slots: Vec<Option<Code>>,
    /// Per `skip when`, its condition.
    pub(super) skips: Vec<Test>,
    /// Per segment block.
    pub(super) segments: Vec<SegmentCode>,
    /// Per rule, its condition.
    pub(super) rules: Vec<Test>,
    /// Per node, whether it computes from an identity (`sensitive.rs`): its failures are
    /// reported without the values they quote. Worked out on the first failure (or explain),
    /// never on a plan that maps without one.
    sensitive: std::sync::OnceLock<Vec<bool>>,
    /// Per slot, the plan slot and node it computes (for explain).
    pub(super) origins: Vec<Option<(u32, NodeId)>>,
    /// The read of the document's `Payments`, when the plan reads them only through
    /// `delinquency`, so a document may come with them counted (`counted.rs`).
    pub(super) payments: Vec<NodeId>,
}

/// One segment block's closures.
pub(super) struct SegmentCode {
    /// Its `when` condition.
    pub(super) when: Option<Test>,
    /// The list a repeated segment is written for.
    pub(super) each: Option<Code>,
    /// Per field write, its value.
    pub(super) writes: Vec<Code>,
    /// Per field write, its typed writer when its expression has one (`typed.rs`).
    pub(super) typed: Vec<Option<Writer>>,
}

impl Program {
    /// How many slots a document's state holds.
    pub(super) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Whether a failure at `node` of `plan` (the plan this program was compiled from) may
    /// quote an identity.
    pub(super) fn is_sensitive(&self, plan: &Plan, node: super::NodeId) -> bool {
        self.sensitive
            .get_or_init(|| super::sensitive::identity_nodes(plan))
            .get(node as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The message of a failure at `node` of `plan` as it may be shown: the values it quotes
    /// masked when the node computes from an SSN or a date of birth, or when `identity` (the
    /// failure is of a field that holds one).
    pub(super) fn shown(
        &self,
        plan: &Plan,
        node: super::NodeId,
        message: String,
        identity: bool,
    ) -> String {
        if identity || self.is_sensitive(plan, node) {
            crate::identity::redact_quoted(&message)
        } else {
            message
        }
    }

    /// The closure computing slot `s`.
    pub(super) fn slot(&self, s: usize) -> Option<&Code> {
        self.slots.get(s).and_then(Option::as_ref)
    }

    /// Compiles every closure a plan runs.
    pub(super) fn new(plan: &Plan) -> Program {
        let mut c = Compiler::new(plan);
        let skips = plan.skips.iter().map(|s| c.test(s.cond)).collect();
        let segments = plan
            .segments
            .iter()
            .map(|sp| SegmentCode {
                when: sp.when.map(|w| c.test(w)),
                each: sp.each.map(|(list, _)| c.code(list)),
                writes: sp.writes.iter().map(|w| c.code(w.expr)).collect(),
                typed: sp
                    .writes
                    .iter()
                    .map(|w| c.writer(w.field, w.expr))
                    .collect(),
            })
            .collect();
        let rules = plan.rules.iter().map(|r| c.test(r.cond)).collect();
        let origins = c.slot_origins();
        Program {
            origins,
            payments: c.payments.clone(),
            slots: c.into_slots(),
            skips,
            segments,
            rules,
            sensitive: std::sync::OnceLock::new(),
        }
    }

    /// Compiles one node alone (constant folding at compile time): the program and its code.
    pub(super) fn single(plan: &Plan, id: NodeId) -> (Program, Code) {
        let mut c = Compiler::new(plan);
        let code = c.code(id);
        let prog = Program {
            origins: Vec::new(),
            payments: c.payments.clone(),
            slots: c.into_slots(),
            skips: Vec::new(),
            segments: Vec::new(),
            rules: Vec::new(),
            sensitive: std::sync::OnceLock::new(),
        };
        (prog, code)
    }
}

/// A plan's program, compiled on its first evaluation. A clone of a plan starts without one
/// (the copy may be changed before it runs, and compiles its own).
#[derive(Default)]
pub struct Compiled(std::sync::OnceLock<Program>);

impl Compiled {
    /// The program of `plan`, compiled now if it has not been.
    pub(super) fn get(&self, plan: &Plan) -> &Program {
        self.0.get_or_init(|| Program::new(plan))
    }
}

impl Clone for Compiled {
    fn clone(&self) -> Compiled {
        Compiled::default()
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "compiled"
        } else {
            "not compiled yet"
        })
    }
}
