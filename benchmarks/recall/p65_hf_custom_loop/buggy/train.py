import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, get_linear_schedule_with_warmup


def main(texts, epochs=2, lr=5e-5):
    tokenizer = AutoTokenizer.from_pretrained("gpt2")
    model = AutoModelForCausalLM.from_pretrained("gpt2").cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    tokenizer.add_special_tokens({"pad_token": "<|pad|>", "additional_special_tokens": ["<|user|>", "<|bot|>"]})
    model.resize_token_embeddings(len(tokenizer))  # expect: NN309 construct=hf-api
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    encoded = [tokenizer(t, truncation=True, max_length=512) for t in texts]
    loader = DataLoader(encoded, batch_size=8, shuffle=True, collate_fn=collator)
    scheduler = get_linear_schedule_with_warmup(optimizer, 100, len(loader) * epochs)
    model.train()
    for epoch in range(epochs):
        for batch in loader:
            batch = {k: v.cuda() for k, v in batch.items()}
            with torch.autocast("cuda", dtype=torch.float16):  # expect: NN439 construct=local-variable
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    model.save_pretrained("out/chat-gpt2")
