//! Numeric ranges (user/group IDs, host ports) in the forms Falco can compare.
//!
//! The k8saudit and json plugins yield numbers as strings and compare them byte-wise
//! (`"1000" < "999"`), so current Falco needs a regex that matches exactly the decimal
//! spellings of the numbers in a set. Legacy Falco compares `"min:max"` strings as ranges but has
//! no regex. Syscall fields (`user.uid`, `group.gid`) are real numbers and take `>=`/`<=`.
//!
//! Regexes use only digits, `[a-b]` classes, `{n}`/`{n,m}`/`{n,}` counts and `|`: no
//! backslashes (Falco strings treat them as escapes). Each regex is kept under a byte budget,
//! since Falco refuses any comparison value of 256 bytes or more.

/// An inclusive range of non-negative integers; `hi: None` has no upper end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NumRange {
    pub lo: u64,
    pub hi: Option<u64>,
}

impl NumRange {
    pub fn new(lo: u64, hi: u64) -> Self {
        NumRange { lo, hi: Some(hi) }
    }

    pub fn contains(&self, n: u64) -> bool {
        n >= self.lo && self.hi.is_none_or(|h| n <= h)
    }
}

/// Sorted, disjoint, non-adjacent ranges covering the same numbers (legacy Falco looks ranges up
/// in an ordered set, which only works when they do not overlap).
pub fn merge(ranges: impl IntoIterator<Item = NumRange>) -> Vec<NumRange> {
    let mut v: Vec<NumRange> = ranges.into_iter().collect();
    v.sort();
    let mut out: Vec<NumRange> = Vec::new();
    for r in v {
        if let Some(last) = out.last_mut() {
            match last.hi {
                None => continue,
                Some(h) if r.lo <= h.saturating_add(1) => {
                    last.hi = r.hi.map(|rh| rh.max(h));
                    continue;
                }
                _ => {}
            }
        }
        out.push(r);
    }
    out
}

/// The numbers of `[lo, hi]` (`hi: None` = unbounded) that no range in `ranges` covers.
pub fn complement(ranges: &[NumRange], lo: u64, hi: Option<u64>) -> Vec<NumRange> {
    let mut out = Vec::new();
    let mut next = Some(lo);
    for r in merge(ranges.iter().copied()) {
        let Some(start) = next else { break };
        if let Some(h) = hi {
            if r.lo > h {
                break;
            }
        }
        if r.lo > start {
            out.push(NumRange {
                lo: start,
                hi: Some(r.lo - 1),
            });
        }
        next = r.hi.map(|rh| start.max(rh + 1));
    }
    if let Some(start) = next {
        if hi.is_none_or(|h| start <= h) {
            out.push(NumRange { lo: start, hi });
        }
    }
    out
}

/// Regex alternatives, each matching the decimal spellings (no leading zeros) of part of `r`;
/// together they match exactly the numbers in `r`.
pub fn alternatives(r: NumRange) -> Vec<String> {
    let mut out = Vec::new();
    let dlo = digits(r.lo);
    let top_of = |d: usize| pow10(d) - 1;
    let Some(hi) = r.hi else {
        if r.lo == first_of(dlo) {
            if r.lo == 0 {
                out.push("0".into());
            }
            out.push(if dlo == 1 {
                "[1-9][0-9]*".into()
            } else {
                format!("[1-9][0-9]{{{},}}", dlo - 1)
            });
        } else {
            out.extend(fixed(r.lo, top_of(dlo)));
            out.push(format!("[1-9][0-9]{{{dlo},}}"));
        }
        return out;
    };
    let dhi = digits(hi);
    if dlo == dhi {
        return fixed(r.lo, hi);
    }
    // Whole digit-lengths in between become one `[1-9][0-9]{a,b}`.
    let first_full = r.lo == first_of(dlo) && dlo >= 2;
    if !first_full {
        out.extend(fixed(r.lo, top_of(dlo)));
    }
    let last_full = hi == top_of(dhi);
    let full_start = if first_full { dlo } else { dlo + 1 };
    let full_end = if last_full { dhi } else { dhi - 1 };
    if full_start < full_end {
        out.push(format!("[1-9][0-9]{{{},{}}}", full_start - 1, full_end - 1));
    } else if full_start == full_end {
        out.push(format!("[1-9][0-9]{}", count(full_start - 1)));
    }
    if !last_full {
        out.extend(fixed(pow10(dhi - 1), hi));
    }
    out
}

fn fixed(lo: u64, hi: u64) -> Vec<String> {
    fixed_width(lo.to_string().as_bytes(), hi.to_string().as_bytes())
}

/// Alternation strings (`a|b|c`), each at most `budget` bytes, matching exactly the numbers in
/// `ranges`. Empty when `ranges` is empty.
///
/// The same ranges are asked for once per container slot and kind (dozens of times per policy
/// and property), so the last answer is kept: building the alternatives is most of the cost of
/// a policy's `runAsUser`/`runAsGroup` rules.
pub fn regexes(ranges: &[NumRange], budget: usize) -> Vec<String> {
    type Answer = (Vec<NumRange>, usize, Vec<String>);
    thread_local! {
        static LAST: std::cell::RefCell<Option<Answer>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((r, b, answer)) = last.as_ref() {
            if r == ranges && *b == budget {
                return answer.clone();
            }
        }
        let alts: Vec<String> = merge(ranges.iter().copied())
            .into_iter()
            .flat_map(alternatives)
            .collect();
        let answer = chunk(&alts, budget);
        *last = Some((ranges.to_vec(), budget, answer.clone()));
        answer
    })
}

/// Joins alternatives with `|` into strings of at most `budget` bytes.
pub fn chunk(alts: &[String], budget: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for a in alts {
        assert!(a.len() <= budget, "regex alternative {a:?} over budget");
        if !cur.is_empty() && cur.len() + 1 + a.len() > budget {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push('|');
        }
        cur.push_str(a);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `"min:max"` strings, which legacy Falco compares as ranges against numbers.
pub fn legacy_pairs(ranges: &[NumRange]) -> Vec<String> {
    merge(ranges.iter().copied())
        .into_iter()
        .map(|r| format!("{}:{}", r.lo, r.hi.unwrap_or(i64::MAX as u64)))
        .collect()
}

/// Alternatives for numbers of equal width from `lo` to `hi` (digit strings, leading zeros
/// allowed below the first position).
fn fixed_width(lo: &[u8], hi: &[u8]) -> Vec<String> {
    debug_assert_eq!(lo.len(), hi.len());
    if lo == hi {
        return vec![String::from_utf8(lo.to_vec()).unwrap()];
    }
    let n = lo.len();
    let (a, b) = (lo[0], hi[0]);
    if a == b {
        let head = (a as char).to_string();
        return fixed_width(&lo[1..], &hi[1..])
            .into_iter()
            .map(|s| format!("{head}{s}"))
            .collect();
    }
    let rest = n - 1;
    let lo_zero = lo[1..].iter().all(|&c| c == b'0');
    let hi_nine = hi[1..].iter().all(|&c| c == b'9');
    let mut out = Vec::new();
    if !lo_zero {
        let nines = vec![b'9'; rest];
        let head = (a as char).to_string();
        out.extend(
            fixed_width(&lo[1..], &nines)
                .into_iter()
                .map(|s| format!("{head}{s}")),
        );
    }
    let start = if lo_zero { a } else { a + 1 };
    let end = if hi_nine { b } else { b - 1 };
    if start <= end {
        let class = if start == end {
            (start as char).to_string()
        } else {
            format!("[{}-{}]", start as char, end as char)
        };
        out.push(if rest == 0 {
            class
        } else {
            format!("{class}[0-9]{}", count(rest))
        });
    }
    if !hi_nine {
        let zeros = vec![b'0'; rest];
        let head = (b as char).to_string();
        out.extend(
            fixed_width(&zeros, &hi[1..])
                .into_iter()
                .map(|s| format!("{head}{s}")),
        );
    }
    out
}

fn count(n: usize) -> String {
    if n == 1 {
        String::new()
    } else {
        format!("{{{n}}}")
    }
}

fn digits(n: u64) -> usize {
    n.to_string().len()
}

fn pow10(d: usize) -> u64 {
    10u64.pow(d as u32)
}

/// The smallest number with `d` digits (0 for one digit).
fn first_of(d: usize) -> u64 {
    if d == 1 {
        0
    } else {
        pow10(d - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alternations as one anchored regex, as Falco's RE2 full match reads each of them.
    fn compile(res: &[String]) -> regex::Regex {
        let all: Vec<String> = res.iter().map(|r| format!("(?:{r})")).collect();
        regex::Regex::new(&format!("^(?:{})$", all.join("|"))).unwrap()
    }

    #[test]
    fn small_ranges_are_compact() {
        assert_eq!(regexes(&[NumRange::new(30, 40)], 255), ["3[0-9]|40"]);
        assert_eq!(regexes(&[NumRange::new(0, 65535)], 255).len(), 1);
        assert_eq!(
            regexes(&[NumRange::new(1, 65535)], 255),
            ["[1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"]
        );
        assert_eq!(
            regexes(&[NumRange { lo: 100, hi: None }], 255),
            ["[1-9][0-9]{2,}"]
        );
        assert_eq!(
            regexes(&[NumRange { lo: 0, hi: None }], 255),
            ["0|[1-9][0-9]*"]
        );
    }

    #[test]
    fn merge_and_complement() {
        let m = merge([
            NumRange::new(10, 20),
            NumRange::new(15, 40),
            NumRange::new(41, 41),
            NumRange::new(50, 60),
        ]);
        assert_eq!(m, [NumRange::new(10, 41), NumRange::new(50, 60)]);
        assert_eq!(
            complement(&m, 0, None),
            [
                NumRange::new(0, 9),
                NumRange::new(42, 49),
                NumRange { lo: 61, hi: None }
            ]
        );
        assert_eq!(complement(&[NumRange::new(0, 65535)], 1, Some(65535)), []);
        assert_eq!(legacy_pairs(&m), ["10:41", "50:60"]);
    }

    #[test]
    fn exhaustive_small() {
        for lo in (0..1100u64)
            .step_by(7)
            .chain([0, 1, 9, 10, 99, 100, 999, 1000])
        {
            for hi in [
                lo,
                lo + 1,
                lo + 9,
                lo + 10,
                lo + 95,
                lo + 900,
                999,
                1000,
                1099,
            ] {
                if hi < lo {
                    continue;
                }
                let res = regexes(&[NumRange::new(lo, hi)], 255);
                let re = compile(&res);
                for n in 0..1200u64 {
                    assert_eq!(
                        re.is_match(&n.to_string()),
                        (lo..=hi).contains(&n),
                        "{lo}-{hi} {n} {res:?}"
                    );
                }
                assert!(!re.is_match(&format!("0{lo}")));
            }
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn edgy() -> impl Strategy<Value = u64> {
            prop_oneof![
                0..=u64::from(u32::MAX),
                0..=70000u64,
                (0u32..=10).prop_map(|d| 10u64.pow(d)),
                (1u32..=10).prop_map(|d| 10u64.pow(d) - 1),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn regex_matches_iff_in_ranges(
                bounds in proptest::collection::vec((edgy(), edgy()), 1..4),
                open in any::<bool>(),
                probes in proptest::collection::vec(edgy(), 20),
            ) {
                let mut ranges: Vec<NumRange> = bounds
                    .iter()
                    .map(|&(a, b)| NumRange::new(a.min(b), a.max(b)))
                    .collect();
                if open {
                    ranges[0].hi = None;
                }
                let res = regexes(&ranges, 200);
                let re = compile(&res);
                for r in &res {
                    prop_assert!(r.len() <= 200);
                    prop_assert!(!r.contains('\\'));
                }
                let mut probes = probes;
                for r in &ranges {
                    probes.push(r.lo);
                    probes.push(r.lo.saturating_sub(1));
                    if let Some(h) = r.hi {
                        probes.push(h);
                        probes.push(h + 1);
                    }
                }
                for n in probes {
                    let inside = ranges.iter().any(|r| r.contains(n));
                    prop_assert_eq!(re.is_match(&n.to_string()), inside, "{} {:?}", n, res);
                }
                let comp = complement(&ranges, 0, None);
                let cre = compile(&regexes(&comp, 200));
                for r in &ranges {
                    prop_assert!(!cre.is_match(&r.lo.to_string()));
                    if let Some(h) = r.hi {
                        prop_assert_eq!(cre.is_match(&(h + 1).to_string()), !ranges.iter().any(|x| x.contains(h + 1)));
                    }
                }
            }
        }
    }
}
