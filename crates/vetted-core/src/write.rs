//! Writers for the register document: JSON and YAML.
//!
//! STUB: being implemented.

use crate::model::Register;

/// The register as a pretty-printed JSON document.
pub fn to_json(register: &Register) -> String {
    let _ = register;
    todo!("to_json")
}

/// The register as a YAML 1.2 document.
pub fn to_yaml(register: &Register) -> String {
    let _ = register;
    todo!("to_yaml")
}
