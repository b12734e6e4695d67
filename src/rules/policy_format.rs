use super::{Finding, Policies, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a policy document (NENA i3 policy routing rules, NENA-STA-010.3) named under
    /// `policies:` that cannot be read or used: a file that cannot be opened, text that is not
    /// JSON, a JWS whose `payload` is not base64url JSON, a required field missing
    /// (`policyOwner`, `policyType`, `policyRules`; a rule's `id`, `priority`, `actions`; a
    /// condition's `conditionType` and its type's fields; an action's `actionType` and its
    /// type's fields), a field of the wrong type, or an unknown condition or action type.
    ///
    /// ## Why it matters
    /// An ESRP's Policy Store must refuse such a document (RQ_PS_044), so the ESRP routes
    /// without it: every call meant for its queue takes the fatal-error path. The policy is
    /// left out of every other check, which would otherwise be silent about it.
    ///
    /// ## Example
    /// ```json
    /// { "policyOwner": "sedgwick.ks.us", "policyType": "NormalNextHopRoutePolicy",
    ///   "policyQueueName": "sip:psap@sedgwick.ks.us",
    ///   "policyRules": [ { "id": "nn-normal", "priority": "0",
    ///                      "actions": [ { "actionType": "RouteAction" } ] } ] }
    /// ```
    /// (`priority` is a string; the `RouteAction` has no `recipientUri`.)
    ///
    /// ## How to fix
    /// Export the policy again from the Policy Store, or correct the field the finding points
    /// at to NENA's schema (`i3-policy-store.yaml`).
    pub struct PolicyFormat { name: "policy-format", severity: Error }
}

impl PolicyFormat {
    pub(super) fn run(cx: &Policies<'_>, out: &mut Vec<Finding>) {
        for file in &cx.table.policy_files {
            for problem in &file.problems {
                // An unreadable file's message names it already; a problem inside one is placed
                // by its code frame and named here.
                let message = if problem.at.loc == file.declared {
                    problem.message.clone()
                } else {
                    named_in(&file.shown, &problem.message)
                };
                let f = cx
                    .finding(&Self::META, problem.at.loc, message, vec![file.shown.clone()], &[])
                    .at_spot(&problem.at);
                out.push(f);
            }
        }
    }
}

/// A problem's message with the file it is in: "the policy file p.json is not JSON: …", and
/// for a problem stated as a sentence of its own, "the policy file p.json: a rule must …".
fn named_in(file: &str, message: &str) -> String {
    let sep = if message.starts_with("is ") { " " } else { ": " };
    format!("the policy file {file}{sep}{message}")
}

#[cfg(test)]
mod tests {
    use super::named_in;

    #[test]
    fn a_problem_reads_as_one_sentence_after_its_file() {
        assert_eq!(
            named_in("p.json", "is not JSON: eof"),
            "the policy file p.json is not JSON: eof"
        );
        assert_eq!(
            named_in("p.json", "a policy must have `policyOwner`"),
            "the policy file p.json: a policy must have `policyOwner`"
        );
    }
}
