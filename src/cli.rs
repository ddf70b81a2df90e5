//! Command-line interface: every flag with its help text beside it.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Terraform for PLC registers: declare Modbus register values in YAML, plan, apply.
#[derive(Parser, Debug)]
#[command(name = "fabctl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]
    #[arg(short = 'f', long = "filename", value_name = "PATH", global = true)]
    pub filename: Vec<PathBuf>,
    /// When to color output: auto = on a terminal and NO_COLOR unset
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Output format of results on stdout
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Human, global = true)]
    pub output: OutputFormat,
    /// More detail: -v lists in-sync registers and logs info, -vv logs debug
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl GlobalArgs {
    /// The manifest paths to load: `-f` values, or `manifests/` when it exists.
    pub fn manifest_paths(&self) -> Vec<PathBuf> {
        if !self.filename.is_empty() {
            return self.filename.clone();
        }
        let default = Path::new("manifests");
        if default.is_dir() {
            vec![default.to_path_buf()]
        } else {
            Vec::new()
        }
    }
}

/// `--color`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `-o/--output`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Terraform-like text
    Human,
    /// One JSON object per line, each with a "type"
    Json,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests offline (exit 0 valid, 1 invalid)
    Validate,
    /// Print the IndustrialPLC CustomResourceDefinition (YAML)
    Crd,
    /// Print the JSON Schema of an IndustrialPLC manifest document
    Schema,
    /// Print version information
    Version,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn filename_is_repeatable_and_global() {
        let cli = Cli::try_parse_from(["fabctl", "validate", "-f", "a.yaml", "-f", "dir"]).unwrap();
        assert_eq!(
            cli.global.filename,
            [PathBuf::from("a.yaml"), PathBuf::from("dir")]
        );
    }

    #[test]
    fn output_and_color_parse() {
        let cli =
            Cli::try_parse_from(["fabctl", "-o", "json", "--color", "never", "validate"]).unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.color, ColorChoice::Never);
    }

    #[test]
    fn verbose_and_quiet_conflict() {
        assert!(Cli::try_parse_from(["fabctl", "-v", "-q", "validate"]).is_err());
    }
}
