"""microtensor.utils.data: datasets, samplers and the DataLoader, with torch.utils.data's names."""
from microtensor.utils.data.collate import default_collate, default_convert
from microtensor.utils.data.dataloader import DataLoader
from microtensor.utils.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from microtensor.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "default_collate",
           "default_convert", "random_split", "WeightedRandomSampler"]
