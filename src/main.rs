//! `nssroots`: the command-line front end. All logic lives in the library.
#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use nssroots::diff::Input;
use nssroots::encode::formats::{Encoded, Format};
use nssroots::fetch::{self, Channel, FetchOptions, Outcome, Roots, Upstream};
use nssroots::report::Style;
use nssroots::select::TimeSource;
use nssroots::source::{DEFAULT_MAX_INPUT, Source};
use nssroots::write::CheckOutcome;
use nssroots::{
    BundleOptions, DistrustAfterMode, Policy, Purpose, ReferenceTime, SortKey, TrustLevel, snapshot,
};

/// `nssroots 0.1.0 (embedded snapshot 2025-04-19, SHA-256 ...)`.
fn version() -> String {
    format!(
        "{} (embedded snapshot {}, SHA-256 {})",
        env!("CARGO_PKG_VERSION"),
        snapshot::DATE,
        snapshot::SHA256
    )
}

/// The version, then where the snapshot comes from.
fn long_version() -> String {
    format!("{}\n{}", version(), snapshot::ORIGIN)
}

/// Turn Mozilla NSS certdata.txt into CA bundles that TLS software can load.
#[derive(Parser, Debug)]
#[command(name = "nssroots", version = version(), long_version = long_version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Print errors only: no notes, no warnings.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Print more notes on standard error: the policy and reference time, every warning.
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a PEM bundle of the certificates a policy trusts.
    Bundle(Deferred<BundleArgs>),
    /// List every certificate and distrust record with the policy's decision about it.
    List(Deferred<ListArgs>),
    /// Say in words why the policy selects a certificate or leaves it out.
    Explain(Deferred<ExplainArgs>),
    /// Compare two certdata.txt files (or two PEM bundles): exit 0 when nothing differs, 1 when something does.
    Diff(Deferred<DiffArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print a man page (roff) on standard output: nssroots(1), or a subcommand's own page with all its options.
    Man(ManArgs),
    /// Download certdata.txt from upstream over verified HTTPS and replace a
    /// local copy, only with a file that parses and trusts something.
    Fetch(Deferred<FetchArgs>),
    /// Report what is wrong or odd in a certdata.txt; exit 1 if anything is an error.
    Lint(Deferred<LintArgs>),
}

/// A subcommand's arguments, added to its `clap::Command` only when that
/// subcommand runs, or help, completions or the man page need them
/// ([`clap::Command::defer`]). Building every subcommand's arguments was
/// half of clap's start-up, which is a tenth of a `bundle` run.
#[derive(Debug)]
struct Deferred<T>(T);

impl<T> std::ops::Deref for Deferred<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

// The `_mut` methods are forwarded too, as clap's own `Box<T>` does: their
// defaults call the `&ArgMatches` ones, whose derived code clones the
// subcommand's matches first (110 of the 670 allocations of parsing a
// `bundle` command line).
impl<T: clap::FromArgMatches> clap::FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }
    fn from_arg_matches_mut(matches: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(
        &mut self,
        matches: &mut clap::ArgMatches,
    ) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(|cmd| keep_about(cmd, T::augment_args))
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(|cmd| keep_about(cmd, T::augment_args_for_update))
    }
}

/// `augment(cmd)`, keeping the about texts `cmd` already has (its variant's
/// doc comment), which the arguments' own would replace when run late.
fn keep_about(cmd: clap::Command, augment: fn(clap::Command) -> clap::Command) -> clap::Command {
    use clap::builder::Resettable;
    let keep = |text: Option<&clap::builder::StyledStr>| {
        text.cloned().map_or(Resettable::Reset, Resettable::Value)
    };
    let (about, long_about) = (keep(cmd.get_about()), keep(cmd.get_long_about()));
    augment(cmd).about(about).long_about(long_about)
}

/// Where to fetch certdata.txt from, and how.
#[derive(Args, Debug)]
struct UpstreamArgs {
    /// Firefox branch whose copy to fetch: release (the default), beta or nightly (autoland).
    #[arg(long, value_name = "CHANNEL", conflicts_with_all = ["nss_tag", "url"],
          value_parser = PossibleValuesParser::new(Channel::NAMES).try_map(|s| s.parse::<Channel>()))]
    channel: Option<Channel>,

    /// NSS release tag to fetch from the NSS repository, e.g. NSS_3_123_RTM.
    #[arg(long, value_name = "TAG", conflicts_with = "url")]
    nss_tag: Option<String>,

    /// Any https:// URL (plain http is refused).
    #[arg(long, value_name = "URL")]
    url: Option<String>,

    /// Verify the server with only the roots in this PEM file (default: the platform's store).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,

    /// Expected SHA-256 of the download: nothing is used or written unless it matches.
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,

    /// Lock file (JSON: URL, SHA-256, size, time, ETag, Last-Modified).
    #[arg(long, value_name = "PATH")]
    lock: Option<PathBuf>,

    /// Fail unless the download matches the lock file.
    #[arg(long, requires = "lock")]
    locked: bool,

    /// Largest download accepted, in bytes [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,

    /// Seconds allowed to connect, and for each read and write after that [default: 30].
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
}

impl UpstreamArgs {
    fn url(&self) -> Result<String> {
        let upstream = match (&self.channel, &self.nss_tag, &self.url) {
            (_, Some(tag), _) => Upstream::NssTag(tag.clone()),
            (_, _, Some(url)) => Upstream::Url(url.clone()),
            (Some(c), _, _) => Upstream::Channel(*c),
            _ => Upstream::default(),
        };
        Ok(upstream.url()?)
    }

    fn options(&self, quiet: bool) -> FetchOptions {
        let defaults = FetchOptions::default();
        let timeout = self.timeout.map_or(defaults.timeout, |s| {
            std::time::Duration::from_secs(s.max(1))
        });
        FetchOptions {
            roots: self.ca_file.clone().map_or(Roots::Platform, Roots::File),
            max_size: self.max_size.unwrap_or(defaults.max_size),
            connect_timeout: timeout,
            timeout,
            progress: !quiet,
            ..defaults
        }
    }

    fn sha256(&self) -> Result<Option<[u8; 32]>> {
        Ok(self
            .sha256
            .as_deref()
            .map(fetch::parse_sha256)
            .transpose()?)
    }
}

#[derive(Args, Debug)]
struct FetchArgs {
    #[command(flatten)]
    upstream: UpstreamArgs,

    /// Where to write certdata.txt. Written atomically, only when it changed.
    #[arg(long, short = 'o', value_name = "PATH", default_value = "certdata.txt")]
    output: PathBuf,

    /// Keep the previous file as PATH.bak when replacing it.
    #[arg(long)]
    backup: bool,
}

/// The selection policy, shared by every command that decides trust.
#[derive(Args, Debug)]
struct PolicyArgs {
    /// Purpose to select for; repeatable (a certificate qualifies for any one).
    #[arg(long = "purpose", value_name = "P", default_value = "server-auth",
          value_parser = PossibleValuesParser::new(Purpose::NAMES).try_map(|s| s.parse::<Purpose>()))]
    purposes: Vec<Purpose>,

    /// Trust level that counts as trusted; repeatable.
    #[arg(long = "level", value_name = "L", default_value = "trusted-delegator",
          value_parser = PossibleValuesParser::new(TrustLevel::NAMES).try_map(|s| s.parse::<TrustLevel>()))]
    levels: Vec<TrustLevel>,

    /// Reference time (RFC 3339, e.g. 2026-11-22T23:15:00Z); else SOURCE_DATE_EPOCH, else now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Keep certificates whose notAfter is before the reference time.
    #[arg(long)]
    include_expired: bool,

    /// How distrust-after dates apply: grace (date + 398 days server-auth, 825 email-protection),
    /// exclude (as soon as the date passes) or keep (ignore them, as curl, Debian and Go do).
    #[arg(long, value_name = "RULE", default_value = "grace",
          value_parser = PossibleValuesParser::new(DistrustAfterMode::NAMES).try_map(|s| s.parse::<DistrustAfterMode>()))]
    distrust_after: DistrustAfterMode,

    /// Grace in days after a distrust-after date, for every purpose (overrides 398/825).
    #[arg(long, value_name = "N")]
    grace_days: Option<u32>,
}

/// The reference time: `--at`, else SOURCE_DATE_EPOCH, else now.
fn reference_time(at: Option<&str>) -> Result<ReferenceTime> {
    let sde = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Some(v),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(v)) => {
            bail!("SOURCE_DATE_EPOCH={v:?} is not a decimal number of seconds since 1970")
        }
    };
    Ok(ReferenceTime::resolve(at, sde.as_deref())?)
}

impl PolicyArgs {
    fn policy(&self) -> Result<Policy> {
        if self.grace_days.is_some() && self.distrust_after != DistrustAfterMode::Grace {
            bail!(
                "--grace-days applies only to --distrust-after grace, not {}",
                self.distrust_after.name()
            );
        }
        let at = reference_time(self.at.as_deref())?;
        let mut policy = Policy {
            purposes: self.purposes.clone(),
            levels: self.levels.clone(),
            at,
            include_expired: self.include_expired,
            distrust_after: self.distrust_after,
            grace_days: self.grace_days,
        };
        policy.dedup();
        Ok(policy)
    }
}

#[derive(Args, Debug)]
struct InputArgs {
    /// certdata.txt to read (`-` for standard input); default: the embedded snapshot.
    #[arg(long, short = 'i', value_name = "PATH")]
    input: Option<String>,

    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT)]
    max_input_size: u64,
}

impl InputArgs {
    fn source(&self) -> Source {
        self.input
            .as_deref()
            .map_or(Source::Snapshot, Source::from_arg)
    }
}

#[derive(Args, Debug)]
struct BundleArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Fetch certdata.txt from upstream (see `nssroots fetch`) instead of --input.
    #[arg(long, conflicts_with = "input")]
    fetch: bool,

    #[command(flatten)]
    upstream: UpstreamArgs,

    /// Where to write the bundle (`-` for standard output, the default). Written atomically.
    #[arg(long, short = 'o', value_name = "PATH", default_value = "-")]
    output: String,

    #[command(flatten)]
    policy: PolicyArgs,

    /// Order of the certificates.
    #[arg(long, value_name = "KEY", default_value = "source",
          value_parser = PossibleValuesParser::new(SortKey::NAMES).try_map(|s| s.parse::<SortKey>()))]
    sort: SortKey,

    /// Output format: pem, openssl-trusted (BEGIN TRUSTED CERTIFICATE with OpenSSL's purposes),
    /// openssl-dir (-CApath directory with HASH.N links), pem-dir, der-dir, p11-kit, json,
    /// java (PKCS #12 trust store) or rust (TrustAnchor source).
    #[arg(long, value_name = "F", default_value = "pem",
          value_parser = PossibleValuesParser::new(Format::NAMES).try_map(|s| s.parse::<Format>()))]
    format: Format,

    /// For --format java: a file whose first line is the store's password (an integrity MAC
    /// is added); without it the store has no password.
    #[arg(long, value_name = "PATH")]
    java_password_file: Option<PathBuf>,

    /// Write nothing; exit 1 when PATH differs from what would be written.
    #[arg(long)]
    check: bool,

    /// Write a bundle even when the policy selects no certificate.
    #[arg(long)]
    allow_empty: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    /// Aligned columns for a terminal (long labels cut).
    Table,
    /// Every field, for tools.
    Json,
}

#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    policy: PolicyArgs,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// A SHA-256 fingerprint, a unique prefix of at least 8 hex digits, or a label substring
    /// (case-insensitive).
    #[arg(value_name = "QUERY")]
    query: String,

    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// For a terminal.
    Text,
    /// Release notes: a section and a table per kind of change.
    Markdown,
    /// For tools.
    Json,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The older certdata.txt or PEM bundle (`-` for standard input).
    #[arg(value_name = "OLD")]
    old: String,

    /// The newer certdata.txt or PEM bundle (`-` for standard input).
    #[arg(value_name = "NEW")]
    new: String,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,

    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT)]
    max_input_size: u64,

    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// How chatty standard error is (`--quiet`, `--verbose`).
#[derive(Clone, Copy, Debug)]
struct Ui {
    quiet: bool,
    verbose: bool,
}

impl Ui {
    fn warn(self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("nssroots: warning: {msg}");
        }
    }

    fn note(self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("nssroots: {msg}");
        }
    }

    /// What `bundle` says once it has written `count` of `total`
    /// certificates to the file `path`.
    fn wrote(
        self,
        count: usize,
        total: usize,
        path: &std::path::Path,
        format: Format,
        at: &nssroots::ReferenceTime,
    ) {
        self.note(format_args!(
            "wrote {count} certificates of {total} to {} ({}, reference time {at})",
            path.display(),
            format.name(),
        ));
    }

    fn detail(self, msg: impl std::fmt::Display) {
        if self.verbose {
            eprintln!("nssroots: {msg}");
        }
    }

    /// Prints the model's warnings: at most 20 of them unless verbose.
    fn print_warnings(self, source_name: &str, warnings: &[nssroots::Warning]) {
        let shown = if self.verbose { usize::MAX } else { 20 };
        for w in warnings.iter().take(shown) {
            self.warn(format_args!("{source_name}:{}: {}", w.line, w.message));
        }
        if warnings.len() > shown {
            self.warn(format_args!(
                "... and {} more warnings (--verbose shows them all)",
                warnings.len() - shown
            ));
        }
    }

    /// Says that the embedded snapshot is used, and warns when it is stale.
    fn snapshot_notes(self, source: &Source, policy: &Policy) {
        if *source != Source::Snapshot {
            return;
        }
        self.note(format_args!(
            "no --input given: using the {} of {}",
            snapshot::ORIGIN,
            snapshot::DATE
        ));
        if let Some(days) = snapshot::stale_days(policy.at.unix) {
            self.warn(format_args!(
                "the embedded snapshot ({}) is {days} days older than the reference time; \
                 for the current store run `nssroots fetch` and pass the file with --input, \
                 or use `nssroots bundle --fetch`",
                snapshot::DATE
            ));
        }
    }

    /// With --verbose, the policy and reference time on standard error.
    fn policy_details(self, policy: &Policy) {
        for line in nssroots::encode::policy_lines(policy) {
            self.detail(line);
        }
    }
}

/// Colours on standard output only on a terminal, never with `NO_COLOR` set
/// (to anything but the empty string).
fn stdout_style() -> Style {
    Style::new(colors_allowed() && std::io::stdout().is_terminal())
}

fn colors_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The width `list`'s table should fit: `COLUMNS` if set, else the
/// terminal's when standard output is one, else none (no limit).
fn table_width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| {
            std::io::stdout()
                .is_terminal()
                .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
                .flatten()
        })
}

/// Writes `bytes` to standard output. A reader that stops reading early
/// (`| head`) made its choice: that is not a failure ([`reader_stopped`]).
fn emit(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if reader_stopped(&e) => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Whether writing to standard output failed only because its reader
/// stopped reading (a broken pipe).
fn reader_stopped(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Loads the store `input` names, with the notes every command gives.
fn load_store(ui: Ui, input: &InputArgs, policy: &Policy) -> Result<(nssroots::Store, Source)> {
    let source = input.source();
    ui.snapshot_notes(&source, policy);
    ui.policy_details(policy);
    let store = source.load(input.max_input_size)?;
    ui.print_warnings(&source.name(), &store.warnings);
    Ok((store, source))
}

fn run_list(ui: Ui, args: &ListArgs) -> Result<ExitCode> {
    let policy = args.policy.policy()?;
    let (store, source) = load_store(ui, &args.input, &policy)?;
    let listing = nssroots::inspect::list(&store, &source.origin(), &policy);
    let text = match args.format {
        ListFormat::Table => listing.to_table_width(stdout_style(), table_width()),
        ListFormat::Json => listing.to_json()?,
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn run_explain(ui: Ui, args: &ExplainArgs) -> Result<ExitCode> {
    let policy = args.policy.policy()?;
    let (store, _) = load_store(ui, &args.input, &policy)?;
    let text = nssroots::inspect::explain(&store, &policy, &args.query, stdout_style())?;
    emit(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn run_diff(ui: Ui, args: &DiffArgs) -> Result<ExitCode> {
    if args.old == "-" && args.new == "-" {
        bail!("only one of OLD and NEW can be standard input (-)");
    }
    let policy = args.policy.policy()?;
    ui.policy_details(&policy);
    let load = |arg: &str| -> Result<Input> {
        let source = Source::from_arg(arg);
        let input = Input::load(&source, args.max_input_size)?;
        if let nssroots::diff::Content::Certdata(store) = &input.content {
            ui.print_warnings(&source.name(), &store.warnings);
        }
        Ok(input)
    };
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    let d = nssroots::diff::diff(&old, &new, Some(&policy))?;
    let text = match args.format {
        DiffFormat::Text => d.to_text(stdout_style()),
        DiffFormat::Markdown => d.to_markdown(),
        DiffFormat::Json => d.to_json()?,
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::from(u8::from(d.has_differences())))
}

fn run_completions(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "nssroots", &mut buf);
    emit(&buf)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
struct ManArgs {
    /// A subcommand whose page to print, nssroots-COMMAND(1): e.g. `nssroots man bundle > nssroots-bundle.1`.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

fn run_man(args: &ManArgs) -> Result<ExitCode> {
    let mut cli = Cli::command();
    cli.build();
    let page = match &args.command {
        None => cli,
        Some(name) => cli
            .get_subcommands()
            .find(|c| c.get_name() == name && name != "help")
            .cloned()
            .with_context(|| {
                let names: Vec<&str> = cli
                    .get_subcommands()
                    .map(clap::Command::get_name)
                    .filter(|n| *n != "help")
                    .collect();
                format!(
                    "no subcommand {name:?}; expected one of {}",
                    names.join(", ")
                )
            })?
            .name(format!("nssroots-{name}")),
    };
    // The footer holds the short version; the snapshot details are in the
    // VERSION section (the long version), which would overflow the footer.
    let page = page.version(env!("CARGO_PKG_VERSION"));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .context("rendering the man page")?;
    emit(&buf)?;
    Ok(ExitCode::SUCCESS)
}

fn run_bundle(ui: Ui, args: &BundleArgs) -> Result<ExitCode> {
    let policy = args.policy.policy()?;
    if args.java_password_file.is_some() && args.format != Format::Java {
        bail!("--java-password-file applies only to --format java");
    }
    for level in policy.levels.iter().filter(|l| !l.is_trusting()) {
        ui.warn(format_args!(
            "--level {level}: NSS does not trust these certificates, yet software that loads the output trusts what it holds"
        ));
    }
    let source = args.input.source();
    if !args.fetch
        && (args.upstream.channel.is_some()
            || args.upstream.nss_tag.is_some()
            || args.upstream.url.is_some()
            || args.upstream.lock.is_some()
            || args.upstream.sha256.is_some()
            || args.upstream.ca_file.is_some()
            || args.upstream.max_size.is_some()
            || args.upstream.timeout.is_some())
    {
        bail!(
            "--channel, --nss-tag, --url, --ca-file, --sha256, --lock, --max-size and --timeout need --fetch"
        );
    }
    if !args.fetch {
        ui.snapshot_notes(&source, &policy);
    }
    ui.policy_details(&policy);
    if policy.at.source == TimeSource::Now && args.check {
        ui.warn(
            "--check with the current time as reference time: the header records that time, so pass --at or set SOURCE_DATE_EPOCH for a reproducible comparison",
        );
    }
    let options = BundleOptions {
        sort: args.sort,
        allow_empty: args.allow_empty,
        max_input: args.input.max_input_size,
    };
    let (store, origin) = if args.fetch {
        let url = args.upstream.url()?;
        let lock = match (&args.upstream.lock, args.upstream.locked) {
            (Some(path), true) => Some(fetch::Lock::read(path)?.with_context(|| {
                format!("--locked: the lock file {} does not exist", path.display())
            })?),
            (Some(_), false) => bail!(
                "bundle --fetch reads --lock only with --locked (it writes no lock file: `nssroots fetch --lock` does)"
            ),
            // --locked without --lock: clap refuses it (`requires = "lock"`).
            (None, _) => None,
        };
        let download = match fetch::get(&url, &args.upstream.options(ui.quiet), None)? {
            fetch::Response::Body(d) => d,
            fetch::Response::NotModified => {
                bail!("{url}: 304 Not Modified to a request that was not conditional")
            }
        };
        let store = fetch::verify(&download, args.upstream.sha256()?.as_ref(), lock.as_ref())?;
        ui.note(format_args!(
            "fetched {url}: {} bytes, SHA-256 {}",
            download.bytes.len(),
            nssroots::model::to_hex(&download.sha256)
        ));
        (store, url)
    } else {
        (source.load(options.max_input)?, source.origin())
    };
    // The store and the output live until the process exits: freeing them
    // one allocation at a time costs more than the exit does (about 0.1 ms
    // of a 4 ms run on NSS 3.123).
    let store = std::mem::ManuallyDrop::new(store);
    if args.format == Format::Pem && !args.check {
        return write_pem(ui, &store, &origin, &policy, &options, &args.output);
    }
    let password = match &args.java_password_file {
        Some(path) => Some(read_password(path)?),
        None => None,
    };
    let (encoded, count) = nssroots::encode_store(
        &store,
        &origin,
        &policy,
        &options,
        args.format,
        password.as_deref(),
    )?;
    let encoded = std::mem::ManuallyDrop::new(encoded);
    ui.print_warnings(&store.source_name, &store.warnings);
    if count == 0 {
        ui.warn("the bundle is empty (--allow-empty)");
    }
    let path = PathBuf::from(&args.output);
    let outcome = match &*encoded {
        Encoded::Directory(entries) => {
            if args.output == "-" {
                bail!(
                    "--format {} writes a directory: pass -o DIR",
                    args.format.name()
                );
            }
            if !args.check {
                nssroots::write::write_dir_atomic(&path, entries)?;
            }
            args.check
                .then(|| nssroots::write::check_dir(&path, entries))
                .transpose()?
        }
        Encoded::File(bytes) => {
            if args.output == "-" {
                if args.check {
                    bail!("--check needs an output file (-o PATH) to compare with");
                }
                if args.format.is_binary() && std::io::stdout().is_terminal() {
                    bail!(
                        "--format {} is binary: pass -o PATH or redirect standard output",
                        args.format.name()
                    );
                }
                emit(bytes)?;
                return Ok(ExitCode::SUCCESS);
            }
            if !args.check {
                nssroots::write::write_atomic(&path, bytes)?;
            }
            args.check
                .then(|| nssroots::write::check(&path, bytes))
                .transpose()?
        }
    };
    match outcome {
        None => {
            ui.wrote(
                count,
                store.certificates.len(),
                &path,
                args.format,
                &policy.at,
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(CheckOutcome::UpToDate) => {
            ui.note(format_args!(
                "{} is up to date ({count} certificates)",
                path.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some(CheckOutcome::Missing) => {
            eprintln!(
                "nssroots: {} does not exist; it would hold {count} certificates",
                path.display()
            );
            Ok(ExitCode::from(1))
        }
        Some(CheckOutcome::Differs) => {
            match &*encoded {
                Encoded::File(bytes) => report_difference(&path, bytes),
                Encoded::Directory(_) => eprintln!(
                    "nssroots: {} differs from the directory that would be written",
                    path.display()
                ),
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// `bundle` in PEM, written to `output` (a file, atomically, or `-`) as it
/// is encoded.
fn write_pem(
    ui: Ui,
    store: &nssroots::Store,
    origin: &str,
    policy: &nssroots::Policy,
    options: &BundleOptions,
    output: &str,
) -> Result<ExitCode> {
    ui.print_warnings(&store.source_name, &store.warnings);
    let path = std::path::Path::new(output);
    let count = if output == "-" {
        let name = std::path::Path::new("standard output");
        let mut stdout = std::io::stdout().lock();
        let written = nssroots::write_pem(store, origin, policy, options, &mut stdout, name)
            .and_then(|count| {
                stdout
                    .flush()
                    .map_err(|e| nssroots::Error::io("writing", name, e))?;
                Ok(count)
            });
        match written {
            Err(nssroots::Error::Io { source, .. }) if reader_stopped(&source) => {
                return Ok(ExitCode::SUCCESS);
            }
            written => written?,
        }
    } else {
        let mut count = 0;
        nssroots::write::write_atomic_with(path, |out| {
            count = nssroots::write_pem(store, origin, policy, options, out, path)?;
            Ok(())
        })?;
        count
    };
    if count == 0 {
        ui.warn("the bundle is empty (--allow-empty)");
    }
    if output != "-" {
        ui.wrote(
            count,
            store.certificates.len(),
            path,
            Format::Pem,
            &policy.at,
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of a password file.
fn read_password(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the password file {}", path.display()))?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Says how an existing bundle differs from the one that would be written.
fn report_difference(path: &std::path::Path, new: &[u8]) {
    let old = std::fs::read(path).unwrap_or_default();
    let (Ok(old_fps), Ok(new_fps)) = (
        nssroots::encode::pem_fingerprints(&old),
        nssroots::encode::pem_fingerprints(new),
    ) else {
        eprintln!(
            "nssroots: {} differs from the bundle that would be written",
            path.display()
        );
        return;
    };
    let removed: Vec<_> = old_fps.iter().filter(|f| !new_fps.contains(f)).collect();
    let added: Vec<_> = new_fps.iter().filter(|f| !old_fps.contains(f)).collect();
    eprintln!(
        "nssroots: {} differs from the bundle that would be written: {} certificates would be added, {} removed{}",
        path.display(),
        added.len(),
        removed.len(),
        if added.is_empty() && removed.is_empty() {
            " (header, comments or order differ)"
        } else {
            ""
        }
    );
    for f in added {
        eprintln!("  + {f}");
    }
    for f in removed {
        eprintln!("  - {f}");
    }
}

fn run_fetch(ui: Ui, args: &FetchArgs) -> Result<ExitCode> {
    let url = args.upstream.url()?;
    let options = fetch::UpdateOptions {
        output: args.output.clone(),
        sha256: args.upstream.sha256()?,
        lock: args.upstream.lock.clone(),
        locked: args.upstream.locked,
        backup: args.backup,
    };
    match fetch::update(&url, &args.upstream.options(ui.quiet), &options)? {
        Outcome::Unchanged { reason } => {
            ui.note(format_args!("{} unchanged: {reason}", args.output.display()))
        }
        Outcome::Written {
            sha256,
            size,
            certificates,
            trusted,
        } => ui.note(format_args!(
                "wrote {} from {url}: {size} bytes, SHA-256 {}, {certificates} certificates ({trusted} trusted)",
                args.output.display(),
                nssroots::model::to_hex(&sha256)
            ),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
struct LintArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text",
          value_parser = PossibleValuesParser::new(["text", "json"]))]
    format: String,

    /// Reference time for expiry and distrust-after (RFC 3339); else SOURCE_DATE_EPOCH, else now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

/// Exit 0 (no error found), 1 (errors found); errors reading the input are 2.
fn run_lint(args: &LintArgs) -> Result<ExitCode> {
    let at = reference_time(args.at.as_deref())?;
    let source = args.input.source();
    let bytes = source.read(args.input.max_input_size)?;
    let report = nssroots::lint::lint(&bytes, &source.name(), at.unix);
    let text = match args.format.as_str() {
        "json" => report.to_json(),
        _ => report.to_text(),
    };
    emit(text.as_bytes())?;
    Ok(ExitCode::from(u8::from(report.errors() > 0)))
}

/// The error and its causes, each cause once: the library's errors already
/// end their message with their source's (for callers that print them
/// with `{}`), which anyhow's `{:#}` would repeat.
fn error_chain(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if !text.ends_with(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Ui {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    let result = match &cli.command {
        Command::Bundle(args) => run_bundle(ui, args),
        Command::List(args) => run_list(ui, args),
        Command::Explain(args) => run_explain(ui, args),
        Command::Diff(args) => run_diff(ui, args),
        Command::Completions(args) => run_completions(args),
        Command::Man(args) => run_man(args),
        Command::Fetch(args) => run_fetch(ui, args),
        Command::Lint(args) => run_lint(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let style = Style::new(colors_allowed() && std::io::stderr().is_terminal());
            eprintln!("nssroots: {} {}", style.red("error:"), error_chain(&e));
            ExitCode::from(2)
        }
    }
}
