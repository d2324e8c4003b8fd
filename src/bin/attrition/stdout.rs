//! Standard output of the commands: the `println!`/`print!` every module uses, and whether
//! standard output carries a command's data.

// `println!` and `print!` for every module below: std's panic when standard output is a closed
// pipe (`attrition score … | head -1`); these end the program quietly instead, as a Unix tool
// does when its reader has gone. When a command writes its data to standard output (`--out -`),
// its messages go to standard error instead, so the data stays clean.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if $crate::stdout::data_on_stdout() {
            eprintln!($($arg)*);
        } else {
            $crate::stdout::stdout_done(writeln!(std::io::stdout().lock(), $($arg)*));
        }
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if $crate::stdout::data_on_stdout() {
            eprint!($($arg)*);
        } else {
            $crate::stdout::stdout_done(write!(std::io::stdout().lock(), $($arg)*));
        }
    }};
}

static DATA_ON_STDOUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether standard output carries the command's data (messages then go to standard error).
pub fn data_on_stdout() -> bool {
    DATA_ON_STDOUT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Declares that `path` is an output; when it is `-` (standard output), messages move to
/// standard error from now on.
pub fn output_path(path: &std::path::Path) {
    if attrition::io::output::is_stdio(path) {
        DATA_ON_STDOUT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The result of a write to standard output: a closed pipe ends the program successfully, any
/// other failure with a message.
pub fn stdout_done(result: std::io::Result<()>) {
    match result {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: writing to standard output: {e}");
            std::process::exit(1);
        }
    }
}
