//! Any bytes through the loader and, when they load, the converter for every target and mode:
//! nothing may panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::Target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = load_policies(text, "fuzz.yaml") else {
        return;
    };
    for target in [Target::Falco, Target::Legacy] {
        for mode in [Mode::Strict, Mode::Declared, Mode::Admission] {
            let opts = Options {
                target,
                mode,
                ..Options::default()
            };
            if let Ok(conversion) = convert(&loaded.policies, &opts) {
                // The output must be YAML that reads back.
                pspconv::yaml::load_all(&conversion.text).expect("output is valid YAML");
            }
        }
    }
});
