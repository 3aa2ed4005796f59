import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Seq2SeqTrainingArguments,
    Trainer,
    TrainingArguments,
)

CONFIG = {
    "model": "bert-base-uncased",
    "best_metric": "accuracy",
    "higher_is_better": True,
}


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def classification():
    tokenizer = AutoTokenizer.from_pretrained(CONFIG["model"])
    model = AutoModelForSequenceClassification.from_pretrained(CONFIG["model"], num_labels=2)
    raw = load_dataset("glue", "sst2")
    encoded = raw.map(lambda batch: tokenizer(batch["sentence"], truncation=True), batched=True)
    args = TrainingArguments(
        output_dir="out/sst2",
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model=CONFIG["best_metric"],
        greater_is_better=CONFIG["higher_is_better"],
        learning_rate=2e-5,
        num_train_epochs=3,
    )
    trainer = Trainer(model=model, args=args, train_dataset=encoded["train"], eval_dataset=encoded["validation"],
                      processing_class=tokenizer, compute_metrics=compute_metrics)
    trainer.train()


def summarization():
    settings = dict(
        output_dir="out/xsum",
        eval_strategy="steps",
        save_strategy="steps",
        eval_steps=500,
        save_steps=500,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        predict_with_generate=True,
    )
    return Seq2SeqTrainingArguments(**settings)


if __name__ == "__main__":
    classification()
    summarization()
