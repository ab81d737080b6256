fn main() {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let loans = metro2::loanpro::generate::generate_loans(200, 42, as_of);
    let mut sizes: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut total = 0;
    for l in &loans {
        let d = l.get("d").unwrap_or(l);
        total += l.to_string().len();
        for (k, v) in d.as_object().unwrap() {
            let e = sizes.entry(k.clone()).or_default();
            e.0 += 1;
            e.1 += v.to_string().len();
        }
    }
    println!("avg total {}", total / loans.len());
    for (k, (n, s)) in sizes {
        println!("{k:30} {n:5} {:8}", s / loans.len());
    }
    println!("{}", serde_json::to_string_pretty(&loans[3]).unwrap());
}
