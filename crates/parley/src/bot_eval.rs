//! `parley bot eval`: how well an intent back end answers a labelled data set.
//!
//! Builds a knowledge base from the data set's train split (`--shots` examples per
//! intent, or a ready-made few-shot split with `--kb`), trains the back end, fits its
//! calibration and the thresholds on the validation split and reports on the test split:
//! in-scope top-1 accuracy, what happened to in-scope questions (answered right / wrong,
//! clarifying question with / without the right intent, handed off), out-of-scope recall,
//! the clarify rate, calibration error, latency and the accuracy / hand-off curve.

use anyhow::Context;
use clap::{Args, ValueEnum};
use parley_bot::eval::{self, Dataset, Objective};
use parley_bot::matcher::{Matcher, Thresholds};
use parley_bot::model::IntentModel;
use std::path::PathBuf;
use std::time::Instant;

/// Intent back ends `parley bot eval` can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// The built-in matcher (no download, no network).
    Builtin,
    /// The sentence-embedding back end (all-MiniLM-L6-v2 from `--model-dir`).
    Embedding,
}

impl Backend {
    /// Trains the back end on the knowledge base.
    fn build(
        self,
        kb: &[(String, String)],
        opts: &EvalArgs,
    ) -> anyhow::Result<Box<dyn IntentModel>> {
        match self {
            Backend::Builtin => Ok(Box::new(Matcher::train(&eval::as_pairs(kb)))),
            Backend::Embedding => {
                use parley_bot::embedding::{EmbeddingConfig, EmbeddingModel, Encoder};
                let dir = opts
                    .model_dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("target/models/all-minilm-l6-v2"));
                let encoder = Encoder::load(&EmbeddingConfig::new(dir))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let model =
                    EmbeddingModel::train(std::sync::Arc::new(encoder), &eval::as_pairs(kb))
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(Box::new(model))
            }
        }
    }
}

/// How thresholds are chosen on the validation split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Most in-scope questions answered rightly (no clarifying band).
    Answered,
    /// Right +1, wrong -1, useful clarifying question +0.5, useless -0.5.
    Utility,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// `data_full.json` in the CLINC150 format, or a folder holding it.
    #[arg(long)]
    pub data: PathBuf,
    /// Knowledge base: the first N examples of each intent in the train split.
    #[arg(long, default_value_t = 10)]
    pub shots: usize,
    /// Knowledge base from a few-shot split instead (a folder with `seq.in` and `label`,
    /// one example a line, e.g. CLINC150's `train_10`).
    #[arg(long, conflicts_with = "shots")]
    pub kb: Option<PathBuf>,
    /// Intent back end.
    #[arg(long, value_enum, default_value_t = Backend::Builtin)]
    pub backend: Backend,
    /// The embedding model folder (`--backend embedding`)
    /// [default: target/models/all-minilm-l6-v2].
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Rule for tuning the thresholds on val.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Answered)]
    pub objective: ObjectiveArg,
    /// Out-of-scope questions to hand off at least (on val, 95% lower bound).
    #[arg(long, default_value_t = 0.8)]
    pub min_oos_recall: f64,
    /// Use these thresholds instead of tuning them (with --clarify).
    #[arg(long, requires = "clarify")]
    pub answer: Option<f32>,
    #[arg(long, requires = "answer")]
    pub clarify: Option<f32>,
    /// Keep the back end's own calibration instead of refitting it on val.
    #[arg(long)]
    pub no_calibrate: bool,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let data = Dataset::load(&args.data)?;
    let (kb, source) = match &args.kb {
        Some(dir) => (
            eval::load_fewshot_dir(dir)?,
            format!("the few-shot split in {}", dir.display()),
        ),
        None => {
            anyhow::ensure!(args.shots > 0, "--shots must be at least 1");
            (
                eval::k_shot(&data.train, args.shots),
                format!(
                    "the first {} examples of each intent in the train split",
                    args.shots
                ),
            )
        }
    };
    let intents = {
        let mut names: Vec<&str> = kb.iter().map(|(i, _)| i.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    println!(
        "Knowledge base: {} examples of {intents} intents, {source}",
        kb.len()
    );
    let t0 = Instant::now();
    let mut model = args
        .backend
        .build(&kb, &args)
        .with_context(|| format!("building the {:?} back end", args.backend))?;
    println!(
        "Back end: {} (trained in {:.0} ms)",
        model.name(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    if !args.no_calibrate {
        model.calibrate(&eval::as_heldout(&data.val));
        println!("Calibration fitted on val.");
    }
    let objective = Objective {
        min_oos_recall: args.min_oos_recall,
        ..match args.objective {
            ObjectiveArg::Answered => Objective::default(),
            ObjectiveArg::Utility => Objective::utility(),
        }
    };
    let given = args
        .answer
        .zip(args.clarify)
        .map(|(answer, clarify)| Thresholds { answer, clarify });
    let e = eval::evaluate(model.as_ref(), &data.val, &data.test, given, &objective);
    print!("{e}");
    Ok(())
}

/// `parley bot …`
#[derive(Debug, clap::Subcommand)]
pub enum BotCommand {
    /// Evaluate an intent back end on a labelled data set (CLINC150 format).
    Eval(EvalArgs),
}

pub fn run_command(command: BotCommand) -> anyhow::Result<()> {
    match command {
        BotCommand::Eval(args) => run(args),
    }
}
