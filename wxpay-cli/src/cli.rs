//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// The methods the bare form `wxpay POST /v3/…` accepts.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// WeChat Pay APIv3 from the terminal: every request signed, every answer
/// verified.
#[derive(Debug, Parser)]
#[command(name = "wxpay", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str = concat!(
    "Configuration: flags, then WXPAY_* variables, then the profile file\n",
    "(--config, WXPAY_CONFIG, or ~/.config/wxpay/profiles.toml; --profile picks one).\n",
    "`wxpay sandbox` starts a local sandbox and prints a profile for it.\n",
    "`wxpay POST /v3/…` is short for `wxpay request POST /v3/…`.\n\n"
);

/// Flags every command takes (also as `WXPAY_*` variables).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Configuration (every command)")]
pub struct Global {
    /// Print the result as JSON on stdout (errors too).
    #[arg(long, global = true)]
    pub json: bool,
    /// The profile file, TOML [env: WXPAY_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The profile to use from the profile file [env: WXPAY_PROFILE].
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Merchant id [env: WXPAY_MCHID].
    #[arg(long, global = true, value_name = "ID")]
    pub mchid: Option<String>,
    /// Merchant certificate serial; read from --merchant-cert-file when left out
    /// [env: WXPAY_MERCHANT_SERIAL].
    #[arg(long, global = true, value_name = "SERIAL")]
    pub merchant_serial: Option<String>,
    /// Merchant private key, PEM (apiclient_key.pem) [env: WXPAY_MERCHANT_KEY_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub merchant_key_file: Option<PathBuf>,
    /// Merchant certificate, PEM (apiclient_cert.pem) [env: WXPAY_MERCHANT_CERT_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub merchant_cert_file: Option<PathBuf>,
    /// WeChat Pay public key id, PUB_KEY_ID_… [env: WXPAY_PUBLIC_KEY_ID].
    #[arg(long, global = true, value_name = "ID")]
    pub public_key_id: Option<String>,
    /// WeChat Pay public key, PEM [env: WXPAY_PUBLIC_KEY_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub public_key_file: Option<PathBuf>,
    /// Read the APIv3 key from this file (the key itself only from
    /// WXPAY_APIV3_KEY or the profile, never a flag) [env: WXPAY_APIV3_KEY_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub apiv3_key_file: Option<PathBuf>,
    /// Download platform certificates as well as using the public key
    /// (migration) [env: WXPAY_PLATFORM_CERTIFICATES=true].
    #[arg(long, global = true)]
    pub platform_certificates: bool,
    /// API base URL; the main host api.mch.weixin.qq.com when left out [env: WXPAY_BASE_URL].
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Trust this extra root certificate, PEM (a TLS sandbox's) [env: WXPAY_CA_FILE].
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Download, verify and decrypt the platform certificates.
    #[command(alias = "crt")]
    Certificates(CertificatesArgs),
    /// Send any request, signed; print the verified answer.
    Request(RequestArgs),
    /// Verify saved notifications, or receive them.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Apply for a bill, download it, check its digest, summarise it.
    Bill(BillArgs),
    /// Front-end payment parameters for a prepay_id (JSAPI, APP).
    PayParams(PayParamsArgs),
    /// Start a local sandbox and print a profile for it.
    Sandbox(SandboxArgs),
}

/// `wxpay config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Say what is set and where from, what is missing, the platform-key
    /// mode, and prove the credentials with signed calls.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
}

const CHECK_HELP: &str = "The proof: GET /v3/pay/transactions/out-trade-no/{a number that does not exist}.\n\
An ORDER_NOT_EXIST answer shows the platform accepted the signature (and, when signed, \n\
that its signature verified). With certificate downloads, GET /v3/certificates is sent \n\
too, which also proves the APIv3 key.";

/// `wxpay config check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only report the settings; send nothing.
    #[arg(long)]
    pub offline: bool,
}

/// `wxpay certificates`.
#[derive(Debug, Args)]
pub struct CertificatesArgs {
    /// Write each certificate as DIR/wechatpay_SERIAL.pem.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `wxpay request`.
#[derive(Debug, Args)]
#[command(after_help = REQUEST_HELP)]
pub struct RequestArgs {
    /// GET, POST, PUT, PATCH or DELETE.
    pub method: String,
    /// The path, /v3/…, percent-encoded where needed.
    pub path: String,
    /// JSON body: the text, @FILE, or @- for stdin.
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    pub data: Option<String>,
    /// A query pair (repeatable).
    #[arg(short = 'q', long = "query", value_name = "K=V")]
    pub query: Vec<String>,
    /// An extra header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "'K: V'")]
    pub header: Vec<String>,
    /// Encrypt this body field with the platform key (dotted path, `[]` for
    /// every item of a list; repeatable).
    #[arg(long, value_name = "FIELD.PATH")]
    pub sensitive: Vec<String>,
    /// Print the answer's body exactly as received (verified) instead of
    /// pretty JSON.
    #[arg(long)]
    pub raw: bool,
    /// Send without checking the body against the spec.
    #[arg(long)]
    pub no_check: bool,
}

const REQUEST_HELP: &str = "For operations the spec knows, the body is checked before sending: \
required fields, their JSON types, and misspelt field names. Status and Request-ID go to stderr.";

/// `wxpay notify …`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Verify and decrypt a saved notification; print its envelope, event
    /// and decrypted resource.
    Verify(NotifyVerifyArgs),
    /// Receive notifications on a local port and print them (with --json,
    /// one JSON document per line); accepted ones are answered 204, refused
    /// ones as the library's extractor answers them, and reported on stderr.
    Listen(NotifyListenArgs),
}

/// `wxpay notify verify`.
#[derive(Debug, Args)]
pub struct NotifyVerifyArgs {
    /// An HTTP request dump (request line, headers, blank line, body).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["headers", "body"])]
    pub dump: Option<PathBuf>,
    /// The headers, one 'Name: value' per line.
    #[arg(long, value_name = "FILE", requires = "body")]
    pub headers: Option<PathBuf>,
    /// The raw body, exactly as received.
    #[arg(long, value_name = "FILE", requires = "headers")]
    pub body: Option<PathBuf>,
}

/// `wxpay notify listen`.
#[derive(Debug, Args)]
pub struct NotifyListenArgs {
    /// The port (0: any free one, announced on stderr).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Stop after this many accepted notifications.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

/// Which bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BillKind {
    /// Trade bill (GET /v3/bill/tradebill).
    Trade,
    /// Fund flow bill (GET /v3/bill/fundflowbill).
    Fundflow,
}

/// `wxpay bill`.
#[derive(Debug, Args)]
pub struct BillArgs {
    /// The day, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// Trade or fund-flow bill.
    #[arg(long = "type", value_enum, default_value_t = BillKind::Trade)]
    pub kind: BillKind,
    /// Trade bills: ALL, SUCCESS or REFUND.
    #[arg(long, default_value = "ALL", value_parser = ["ALL", "SUCCESS", "REFUND"])]
    pub bill_type: String,
    /// Fund flow bills: the account (BASIC, OPERATION, FEES).
    #[arg(long, default_value = "BASIC", value_parser = ["BASIC", "OPERATION", "FEES"])]
    pub account_type: String,
    /// Ask for the file GZIP-compressed (it is decompressed and checked here).
    #[arg(long)]
    pub gzip: bool,
    /// Write the CSV here.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `wxpay pay-params`.
#[derive(Debug, Args)]
pub struct PayParamsArgs {
    /// The appid the order was placed with.
    #[arg(long)]
    pub appid: String,
    /// The prepay_id the order answered.
    #[arg(long)]
    pub prepay_id: String,
    /// APP parameters (PayReq) instead of JSAPI.
    #[arg(long)]
    pub app: bool,
    /// A service provider's APP order for this sub-merchant (implies --app).
    #[arg(long, value_name = "SUB_MCHID")]
    pub sub_mchid: Option<String>,
}

/// `wxpay sandbox`.
#[derive(Debug, Args)]
#[command(after_help = SANDBOX_HELP)]
pub struct SandboxArgs {
    /// Also write the profile into this profile file, as the profile named sandbox.
    #[arg(long, value_name = "FILE")]
    pub write_profile: Option<PathBuf>,
    /// The `wxpay-sandbox` flags (after `--`), e.g. `-- --spec-mode --listen 127.0.0.1:9000`.
    #[arg(last = true, value_name = "SANDBOX_FLAGS")]
    pub flags: Vec<String>,
}

const SANDBOX_HELP: &str = "Runs until interrupted (Ctrl-C). Prints `export WXPAY_…` lines and a TOML profile; \
keys are written under a temporary directory unless `-- --write-keys DIR` is given.";

/// Exit codes are part of every help page's end.
pub fn after_help_with_codes() -> String {
    format!("{AFTER_HELP}{EXIT_CODES_HELP}")
}
