"""A multi-operation connector whose operations share fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tasklink.core import Connector, InputModel, OutputModel, field


class Item(BaseModel):
    sku: str = Field(description="Stock keeping unit", pattern=r"^[A-Z]{3}-\d+$")
    quantity: int = Field(1, description="How many pieces")


class CreateOrder(InputModel):
    shop_url: str = Field(description="Base URL of the shop")
    item: Item = Field(description="What to order")
    priority: Literal["low", "normal", "high"] = field(
        "normal", description="Urgency", choice_labels={"high": "High (same day)"}
    )
    note: str | None = field(None, description="Note for the packer", multiline=True)


class GetOrder(InputModel):
    shop_url: str = Field(description="Base URL of the shop")
    order_id: str = Field(description="Order number", alias="orderId")


class CancelOrder(InputModel):
    shop_url: str = Field(description="Base URL of the shop")
    order_id: str = Field(description="Order number", alias="orderId")
    notify: bool = Field(True, description="Tell the customer")


class Order(OutputModel):
    order_id: str = Field(description="Order number")
    status: str = Field(description="Order status")


shop = Connector(
    id="io.tasklink.examples.shop",
    name="shop",
    title="Shop (example)",
    job_type="tasklink:examples-shop:1",
    description="Creates, reads and cancels orders; an example multi-operation connector",
    package=__package__,
)


@shop.operation(name="Create order", description="Place a new order")
def create_order(input: CreateOrder) -> Order:
    return Order(order_id="1", status="created")


@shop.operation(name="Get order", description="Read an order")
def get_order(input: GetOrder) -> Order:
    return Order(order_id=input.order_id, status="open")


@shop.operation(name="Cancel order", description="Cancel an order")
def cancel_order(input: CancelOrder) -> Order:
    return Order(order_id=input.order_id, status="cancelled")
