// A Rust wasm32-wasi program for the Phase tests: reads all of stdin and
// prints it upper-cased, then the number of arguments on stderr.
use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("read stdin");
    let mut out = std::io::stdout();
    out.write_all(input.to_uppercase().as_bytes()).expect("write stdout");
    out.flush().expect("flush");
    eprintln!("args: {}", std::env::args().count());
}
