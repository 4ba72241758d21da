"""The seed's whole journey (PRODUCT.md §2) driven through the pages, step by step."""
