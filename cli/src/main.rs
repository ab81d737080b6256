//! The `metro2` command.

fn main() {
    println!("metro2");
}
